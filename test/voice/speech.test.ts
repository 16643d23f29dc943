/**
 * Speech out and speech in. Every message the bot sends — answers, fallbacks,
 * help, welcome, handoff, and every prompt of every flow in both languages —
 * carries SSML that parses, in the reply's language, with nothing for the eye
 * (Markdown, URLs); only the last message of a turn expects input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { startTestApp, conversation, messagesOf, metaOf, type Reply, type TestApp } from '../support.js';
import { clarifyMessage } from '../../dialogs/replies.js';
import { spellReference, ssml } from '../../voice/ssml.js';
import { digitsFromSpeech } from '../../voice/spokenNumbers.js';

let app: TestApp;
const seen: Reply[] = [];
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

/** Scripted conversations that between them visit every prompt, re-ask and ending. */
const SCRIPTS: Record<string, string[]> = {
  'en-US': [
    'help', 'Do you log my IP address?', 'more', 'tell me a joke', 'talk to a person',
    'report a leak', 'banana', 'password and bank card', 'a fake website', 'yesterday', '12345', 'me@example', '13812345678', 'no',
    'Request about my data', 'see my data', 'no', '13800001111', 'all of it', 'yes',
    "I'm under 18", 'I am the young user', '15', 'Li Na', 'parent', 'li.na@example.com',
    'report a leak', 'cancel', 'yes',
  ],
  'zh-CN': [
    '帮助', '你们会记录我的IP地址吗', '更多', '今天天气怎么样', '转人工',
    '我要报告泄露', '香蕉', '密码和银行卡', '冒充百购的电话', '昨天', '123', '13812345678', '是的',
    '我的数据请求', '查看我的数据', '不是', 'li@example.com', '全部信息', '对',
    '我未满18岁', '我是家长', '孩子12岁', '张伟', '父母', '13900001111',
  ],
};

describe.each(Object.keys(SCRIPTS))('every message in %s', (locale) => {
  let turns: Reply[][] = [];
  beforeAll(async () => {
    for (const channelId of ['test', 'voicetest']) {
      const chat = conversation(app, { locale, channelId });
      for (const text of SCRIPTS[locale]!) turns.push(await chat.say(text));
    }
    turns.forEach((t) => seen.push(...t));
  });
  afterAll(() => { turns = []; });

  it('has speak: well-formed SSML with a speak root in the reply language', () => {
    const parser = new XMLParser({ ignoreAttributes: false });
    const messages = turns.flatMap(messagesOf);
    expect(messages.length).toBeGreaterThan(40);
    for (const m of messages) {
      expect(XMLValidator.validate(m.speak ?? ''), m.speak).toBe(true);
      const doc = parser.parse(m.speak!) as { speak?: { '@_xml:lang'?: string; '@_version'?: string } };
      expect(doc.speak?.['@_xml:lang'], m.text).toBe(locale);
      expect(doc.speak?.['@_version']).toBe('1.0');
    }
  });

  it('speaks no Markdown, links or URLs', () => {
    for (const m of turns.flatMap(messagesOf)) {
      const spoken = (m.speak ?? '').replace(/<[^>]+>/g, ' '); // the xmlns attribute is a URL; the words must not hold one
      expect(spoken, m.text).not.toMatch(/\*\*|\]\(|https?:|www\.|\/policy|^\s*[-#>]\s/m);
    }
  });

  it('expects input only on the last message of a turn, and accepts it everywhere else', () => {
    for (const turn of turns) {
      const messages = messagesOf(turn);
      messages.slice(0, -1).forEach((m) => expect(m.inputHint, m.text).toBe('acceptingInput'));
      for (const m of messages) expect(['acceptingInput', 'expectingInput', 'ignoringInput']).toContain(m.inputHint);
    }
  });

  it('puts prompts that wait for an answer on expectingInput', () => {
    const prompts = turns.map((t) => messagesOf(t).at(-1)).filter((m) => m?.channelData?.assistant?.flow && /\?|？/.test(m.text ?? ''));
    expect(prompts.length).toBeGreaterThan(5);
    for (const p of prompts) expect(p!.inputHint, p!.text).toBe('expectingInput');
  });
});

describe('voice channels', () => {
  it('read choices as a numbered list instead of buttons', async () => {
    const chat = conversation(app, { locale: 'en-US', channelId: 'voicetest' });
    const replies = await chat.say('report a leak');
    const prompt = messagesOf(replies).at(-1)!;
    expect(prompt.speak).toMatch(/1 for Account password, 2 for Phone number/);
    expect(prompt.suggestedActions).toBeUndefined();
  });

  it('offer the whole passage after a short answer, and read it on "more"', async () => {
    const chat = conversation(app, { locale: 'en-US', channelId: 'telephony' });
    const answer = await chat.say('um so does the app uh read my location');
    expect(messagesOf(answer)[0]?.speak).toMatch(/Say more/);
    const more = await chat.say('more');
    expect(messagesOf(more)[0]?.speak).toMatch(/turn off location services/);
  });

  it('transfer to an agent after two misunderstood answers', async () => {
    const chat = conversation(app, { locale: 'zh-CN', channelId: 'voicetest' });
    await chat.say('我要报告泄露');
    await chat.say('香蕉');
    const second = await chat.say('苹果');
    expect(second.some((r) => r.type === 'event' && r.name === 'handoff.initiate')).toBe(true);
  });

  it('accept a phone number spoken as words in the leak report', async () => {
    const chat = conversation(app, { locale: 'en-US', channelId: 'voicetest' });
    await chat.say('um my password got stolen');
    await chat.say('a text message');
    await chat.say('yesterday');
    const confirm = await chat.say('one three eight one two three four five six seven eight');
    expect(messagesOf(confirm).at(-1)?.channelData?.assistant?.step).toBe('confirm');
    const done = await chat.say('yeah');
    const id = messagesOf(done).at(-1)?.channelData?.assistant?.ticketId;
    expect(messagesOf(done).at(-1)?.attachments).toBeUndefined(); // a card means nothing on the phone
    expect((await app.app.assistant.tickets.get(id!))?.fields.contact).toBe('13812345678');
  });

  it.each([
    ['en-US', ['report a leak', 'password', 'a text message', 'yesterday', '13812345678'], ['1', 'one']],
    ['zh-CN', ['我要报告泄露', '密码', '短信', '昨天', '13812345678'], ['一', '1']],
  ])('%s: a confirmation read as "Say 1 for yes, 2 for no" accepts the number it offered', async (locale, steps, ones) => {
    for (const one of ones) {
      const chat = conversation(app, { locale, channelId: 'voicetest' });
      let last: Awaited<ReturnType<typeof chat.say>> = [];
      for (const text of steps) last = await chat.say(text);
      const prompt = messagesOf(last).at(-1)!;
      expect(prompt.channelData?.assistant?.step).toBe('confirm');
      expect(prompt.speak).toMatch(locale === 'zh-CN' ? /是请说1，不是请说2/ : /1 for Yes, 2 for No/);
      const done = await chat.say(one);
      expect(done.some((r) => r.type === 'event' && r.name === 'handoff.initiate')).toBe(false);
      expect(messagesOf(done).at(-1)?.channelData?.assistant?.ticketId).toMatch(/^LK-/);
    }
    const declined = conversation(app, { locale, channelId: 'voicetest' });
    for (const text of steps) await declined.say(text);
    expect(messagesOf(await declined.say(locale === 'zh-CN' ? '二' : 'two')).at(-1)?.channelData?.assistant?.step).toBe('notSent');
  });

  it('reads "Personal Center → Settings" as "Personal Center, then Settings"', async () => {
    const chat = conversation(app, { locale: 'en-US', channelId: 'voicetest' });
    await chat.say('report a leak');
    const replies = await chat.say('password');
    const speech = replies.map((r) => r.speak ?? '').join(' ');
    expect(speech).toMatch(/Personal Center, then Settings/);
    expect(speech).not.toContain('→');
    expect(ssml('在个人中心 → 设置里修改', 'zh-CN')).toContain('个人中心，然后设置');
  });

  it.each([
    ['uh hi um is buy go go allowed to give my info to the police', 'en-US', '3'],
    ['so like what happens if i dont agree with the privacy policy', 'en-US', '0'],
    ['那个 就是 白购会不会把我的信息给第三方', 'zh-CN', '3'],
    ['嗯 你们 那个 怎么保护我的信息安全', 'zh-CN', '4'],
  ])('understand a transcript: "%s"', async (text, locale, section) => {
    const replies = await app.send({ type: 'message', text, locale, channelId: 'voicetest', serviceUrl: 'http://localhost', conversation: { id: `v-${text}` } as never, from: { id: 'u', name: 'u' }, recipient: { id: 'b', name: 'b' } });
    const id = metaOf(replies)?.citations?.[0]?.id ?? '';
    expect(id === section || id.startsWith(`${section}.`) || id.startsWith(`${section}#`), id).toBe(true);
  });
});

describe('speech helpers', () => {
  it.each([
    ['one three eight double five', '13855'],
    ['幺三八 一二三四', '1381234'],
    ['my number is 138 1234 5678', '13812345678'],
    ['plus eight five two nine', '+8529'],
  ])('digits in "%s" are %s', (said, digits) => {
    expect(digitsFromSpeech(said)).toBe(digits);
  });

  it('spells references character by character', () => {
    expect(spellReference('LK-7Q4M2P', 'en-US')).toBe('L K, dash, 7 Q 4 M 2 P');
  });

  it('escapes text and keeps at most three sentences', () => {
    const out = ssml('A & B. Two. Three. Four. **Five** https://x.y', 'en-US');
    expect(XMLValidator.validate(out)).toBe(true);
    expect(out).toContain('A &amp; B.');
    expect(out).not.toContain('Four');
  });

  it('a "did you mean" reads both options', () => {
    const kb = app.app.assistant.kb;
    const msg = clarifyMessage(kb, app.app.assistant.i18n, [
      { key: '6.1', kind: 'passage', score: 0.5 }, { key: '6.2', kind: 'passage', score: 0.5 },
    ], 'en-US');
    expect(XMLValidator.validate(msg.speak!)).toBe(true);
    expect(msg.speak).toMatch(/or/);
  });
});
