/**
 * Guided flows, scripted turn by turn over /api/messages, in both languages
 * and both ways replies travel (expectReplies, and normal delivery to a local
 * connector as on every real channel): each reaches a stored ticket with the
 * fields it asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, conversation, metaOf, messagesOf, userMessage, DELIVERY_MODES, type Reply, type TestApp } from '../support.js';
import { REFERENCE_PATTERN } from '../../tickets/reference.js';

describe.each(DELIVERY_MODES)('over %s delivery', (delivery) => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp({}, { shareKnowledge: true, delivery }); });
  afterAll(async () => { await app.close(); });

  const lastMeta = (replies: Reply[]) => messagesOf(replies).at(-1)?.channelData?.assistant;
  const ticketOf = (replies: Reply[]) => {
    const id = lastMeta(replies)?.ticketId;
    return id ? app.app.assistant.tickets.get(id) : undefined;
  };

  describe('leak report', () => {
    it('goes from "my account was hacked" to an urgent ticket, advice first, contact masked in the summary', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      const first = await chat.say('Someone hacked my account and changed my password');
      expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'leakReport' });
      expect(messagesOf(first).some((m) => /change your buygogo password/i.test(m.text ?? ''))).toBe(true);
      // "changed my password" already says how it was noticed: that question is skipped.
      expect(lastMeta(first)?.step).toBe('when');
      expect(lastMeta(await chat.say('this morning'))?.step).toBe('contact');
      const confirm = await chat.say('13812345678');
      expect(lastMeta(confirm)?.step).toBe('confirm');
      expect(messagesOf(confirm).at(-1)?.text).not.toContain('13812345678');
      const done = await chat.say('yes');
      const ticket = (await ticketOf(done))!;
      expect(ticket.id).toMatch(REFERENCE_PATTERN);
      expect(ticket.id.startsWith('LK-')).toBe(true);
      expect(ticket).toMatchObject({
        kind: 'leakReport', priority: 'urgent', locale: 'en-US',
        fields: { leaked: ['password'], noticedBy: 'strangeLogin', when: 'this morning', contact: '13812345678' },
      });
      expect(messagesOf(done).at(-1)?.text).toContain(ticket.id);
      expect(messagesOf(done).at(-1)?.speak).toMatch(/L K, dash/);
      const card = messagesOf(done).at(-1)?.attachments?.[0];
      expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(JSON.stringify(card?.content)).toContain(ticket.id);
    });

    it('works in Chinese with choices by number, spoken digits, and a normal priority', async () => {
      const chat = conversation(app, { locale: 'zh-CN' });
      const first = await chat.say('我想报告信息泄露');
      expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'leakReport', locale: 'zh-CN' });
      expect(lastMeta(first)?.step).toBe('whatLeaked');
      expect(lastMeta(await chat.say('2和6'))?.step).toBe('howNoticed');
      expect(lastMeta(await chat.say('第二个'))?.step).toBe('when');
      await chat.say('昨天');
      expect(lastMeta(await chat.say('幺三八 一二三四 五六七八'))?.step).toBe('confirm');
      const ticket = (await ticketOf(await chat.say('对')))!;
      expect(ticket).toMatchObject({ kind: 'leakReport', priority: 'normal', locale: 'zh-CN', fields: { leaked: ['phone', 'address'], noticedBy: 'phishingCall', contact: '13812345678' } });
    });

    it('re-asks an invalid phone number with the reason, keeping the flow where it was', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('I want to report a leak');
      await chat.say('email');
      await chat.say('a text message');
      await chat.say('last week');
      const retry = await chat.say('call me on 12345');
      expect(messagesOf(retry)[0]?.text).toMatch(/doesn't look like a phone number/);
      expect(lastMeta(retry)).toMatchObject({ flow: 'leakReport', step: 'contact' });
      expect(messagesOf(retry).at(-1)?.inputHint).toBe('expectingInput');
      const email = await chat.say('me@example');
      expect(messagesOf(email)[0]?.text).toMatch(/missing its domain/);
      expect(lastMeta(await chat.say('me@example.com'))?.step).toBe('confirm');
    });

    it('offers a person after three answers it cannot understand', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('report a leak');
      await chat.say('banana');
      await chat.say('purple');
      const third = await chat.say('zebra');
      const titles = messagesOf(third).flatMap((m) => m.suggestedActions?.actions.map((a) => a.title) ?? []);
      expect(titles).toContain('Talk to a person');
      // The flow is over: the next message is routed afresh.
      expect(metaOf(await chat.say('Do you log my IP address?'))?.kind).toBe('answer');
    });
  });

  describe('data request', () => {
    it('files a copy request with a due date 15 working days out', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      const first = await chat.say('How do I get a copy of all the data you hold about me?');
      expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'dataRequest' });
      expect(lastMeta(first)?.step).toBe('account');
      await chat.say('li.wei@example.com');
      await chat.say('my orders and addresses');
      const done = await chat.say('yes please');
      const ticket = (await ticketOf(done))!;
      expect(ticket.id.startsWith('DR-')).toBe(true);
      expect(ticket.fields).toMatchObject({ right: 'copy', account: 'li.wei@example.com', details: 'my orders and addresses' });
      expect(ticket.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(messagesOf(done).at(-1)?.text).toContain(ticket.dueDate);
    });

    it('ends at self-service when Personal Center → Settings solves it', async () => {
      const chat = conversation(app, { locale: 'zh-CN' });
      expect(lastMeta(await chat.say('我的数据请求'))?.step).toBe('right');
      const first = await chat.say('更正我的数据');
      expect(lastMeta(first)?.step).toBe('selfService');
      expect(messagesOf(first).at(-1)?.text).toContain('个人中心');
      const solved = await chat.say('是的，解决了');
      expect(lastMeta(solved)?.step).toBe('selfServiceSolved');
      expect((await app.app.assistant.tickets.list()).some((t) => t.conversationId === chat.id)).toBe(false);
    });

    it('files a Chinese deletion request after self-service does not apply', async () => {
      const chat = conversation(app, { locale: 'zh-CN' });
      const first = await chat.say('我要注销账号，把我的个人信息全部删掉');
      expect(lastMeta(first)?.step).toBe('account');
      await chat.say('13900001111');
      await chat.say('全部数据');
      const ticket = (await ticketOf(await chat.say('确认')))!;
      expect(ticket).toMatchObject({ kind: 'dataRequest', locale: 'zh-CN', fields: { right: 'close', account: '13900001111' } });
    });
  });

  describe('choices by their own label', () => {
    it.each([
      ['en-US', 'Request about my data', 'Close my account and erase my data', 'li.wei@example.com', 'yes'],
      ['zh-CN', '我的数据请求', '注销账号并删除数据', '13900001111', '是'],
    ])('%s: the tapped "close account" button files a close-account request, not a deletion', async (locale, start, label, account, yes) => {
      const chat = conversation(app, { locale });
      expect(lastMeta(await chat.say(start))?.step).toBe('right');
      expect(lastMeta(await chat.say(label))?.step).toBe('account');
      await chat.say(account);
      await chat.say('everything');
      const ticket = (await ticketOf(await chat.say(yes)))!;
      expect(ticket.fields).toMatchObject({ right: 'close' });
    });

    it('"Report a leak" tapped after an answer uses what the question already said', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      // (With "…in a security incident" the model now weighs the breach-notification topic the policy does not
      // cover about as much as 4#2, and says it found no reliable answer.)
      const answer = await chat.say('What happens if my password is leaked?');
      expect(metaOf(answer)?.kind).toBe('answer');
      const offered = messagesOf(answer).flatMap((m) => m.suggestedActions?.actions.map((a) => a.title) ?? []);
      expect(offered).toContain('Report a leak');
      const started = await chat.say('Report a leak');
      expect(metaOf(started)).toMatchObject({ flow: 'leakReport' });
      // The password was named: advice for it comes at once, and "What leaked?" is not asked.
      expect(messagesOf(started).some((m) => /change your buygogo password/i.test(m.text ?? ''))).toBe(true);
      expect(lastMeta(started)?.step).toBe('howNoticed');
    });

    it.each([
      ['en-US', ['I want to report a leak', 'email', 'a text message', 'last week', 'me@example.com'], ['Yes, send it', "No, don't send it"], /Tap one, or type several/],
      ['zh-CN', ['我想报告信息泄露', '邮箱', '短信', '上周', 'me@example.com'], ['是的，提交', '不，先不提交'], /点选一项，或输入多项/],
    ])('%s: confirm buttons say what they do, and "several" is offered only as typing', async (locale, steps, buttons, several) => {
      const chat = conversation(app, { locale });
      const first = await chat.say(steps[0]!);
      expect(messagesOf(first).at(-1)?.text).toMatch(several);
      let last = first;
      for (const text of steps.slice(1)) last = await chat.say(text);
      expect(lastMeta(last)?.step).toBe('confirm');
      expect(messagesOf(last).at(-1)?.suggestedActions?.actions.map((a) => a.title)).toEqual(buttons);
      expect(lastMeta(await chat.say(buttons[1]!))?.step).toBe('notSent');
      // Single-choice questions do not claim several can be picked.
      const other = conversation(app, { locale });
      await other.say(steps[0]!);
      expect(messagesOf(await other.say(steps[1]!)).at(-1)?.text).not.toMatch(several);
    });

    it.each([
      ['en-US', 'My bank card got stolen last month and I had to cancel it. Anyway, do you store my bank card number in the app?', '1.1', 'Report a leak'],
      ['zh-CN', '有人冒充百购客服骗走了我的银行卡号。你们如何保护我的个人信息？', '4#1', '报告泄露'],
    ])('%s: a question told inside a story is answered, and the story\'s report is offered beside it', async (locale, story, passage, button) => {
      const chat = conversation(app, { locale });
      const answer = await chat.say(story);
      expect(metaOf(answer)).toMatchObject({ kind: 'answer' });
      expect(metaOf(answer)?.citations?.[0]?.id).toBe(passage);
      const offered = messagesOf(answer).flatMap((m) => m.suggestedActions?.actions.map((a) => a.title) ?? []);
      expect(offered).toContain(button);
      const started = await chat.say(button);
      expect(metaOf(started)).toMatchObject({ flow: 'leakReport' });
      // The story came along: it is not asked again what happened from the start.
      expect(lastMeta(started)?.step).not.toBe('whatLeaked');
    });

    it('a story that asks for the report still starts it, question or not', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      const first = await chat.say('My bank card was stolen last week. Please help me report it. Do you store card numbers?');
      expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'leakReport' });
    });

    it('"Report a leak" from the welcome menu still asks what leaked', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      expect(lastMeta(await chat.say('Report a leak'))?.step).toBe('whatLeaked');
    });
  });

  describe('minor consent', () => {
    it('takes the guardian details, opens a ticket and hands off with the standard event', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      const first = await chat.say("I'm 15, can I register?");
      expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'minorConsent' });
      expect(lastMeta(first)?.step).toBe('guardianName');
      await chat.say('Wang Fang');
      await chat.say('my mother');
      const done = await chat.say('wang.fang@example.com');
      const ticket = (await ticketOf(done))!;
      expect(ticket.id.startsWith('MC-')).toBe(true);
      expect(ticket.fields).toEqual({ role: 'minor', ageBand: 'teen', guardianName: 'Wang Fang', relationship: 'parent', guardianContact: 'wang.fang@example.com' });
      const handoff = done.find((r) => r.type === 'event' && r.name === 'handoff.initiate');
      expect(JSON.stringify(handoff?.value)).toContain(ticket.id);
    });

    it('works in Chinese: a stated age starts it, the guardian is recorded, a ticket and a handoff follow', async () => {
      const chat = conversation(app, { locale: 'zh-CN' });
      const first = await chat.say('我今年15岁，可以注册吗');
      expect(metaOf(first)).toMatchObject({ kind: 'flow', flow: 'minorConsent', locale: 'zh-CN' });
      expect(lastMeta(first)?.step).toBe('guardianName');
      await chat.say('王芳');
      await chat.say('妈妈');
      const done = await chat.say('13800001234');
      const ticket = (await ticketOf(done))!;
      expect(ticket.id.startsWith('MC-')).toBe(true);
      expect(ticket).toMatchObject({ locale: 'zh-CN', fields: { role: 'minor', guardianName: '王芳', relationship: 'parent', guardianContact: '13800001234' } });
      expect(done.some((r) => r.type === 'event' && r.name === 'handoff.initiate')).toBe(true);
    });

    it('tells an adult the rule and ends without a ticket', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      expect(lastMeta(await chat.say("I'm under 18"))?.step).toBe('role');
      expect(lastMeta(await chat.say('I am the young user'))?.step).toBe('age');
      const adult = await chat.say('18 or older');
      expect(lastMeta(adult)?.step).toBe('adult');
      expect((await app.app.assistant.tickets.list()).some((t) => t.conversationId === chat.id)).toBe(false);
    });
  });

  describe('interruptions', () => {
    it('answers a policy question mid-flow, then asks the same question again', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('I want to report a leak');
      const replies = await chat.say('wait, do you use cookies?');
      const metas = messagesOf(replies).map((m) => m.channelData?.assistant);
      expect(metas[0]).toMatchObject({ kind: 'answer', flow: 'leakReport' });
      expect(metas.at(-1)).toMatchObject({ kind: 'flow', step: 'whatLeaked' });
      expect(lastMeta(await chat.say('password'))?.step).toBe('howNoticed');
    });

    it('asks before cancelling, and continues when the user says no', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('I want to report a leak');
      const ask = await chat.say('cancel');
      expect(messagesOf(ask)[0]?.text).toMatch(/stop/i);
      const kept = await chat.say('no');
      expect(lastMeta(kept)).toMatchObject({ flow: 'leakReport', step: 'whatLeaked' });
      await chat.say('cancel');
      const stopped = await chat.say('yes');
      expect(messagesOf(stopped)[0]?.text).toMatch(/nothing was sent/);
      expect(metaOf(await chat.say('Do you log my IP address?'))?.kind).toBe('answer');
    });

    it('hands off mid-flow on "talk to a person"', async () => {
      const chat = conversation(app, { locale: 'zh-CN' });
      await chat.say('我要撤回授权');
      const replies = await chat.say('转人工');
      expect(replies.some((r) => r.type === 'event' && r.name === 'handoff.initiate')).toBe(true);
    });

    it('help mid-flow explains and repeats the question', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('report a leak');
      const replies = await chat.say('help');
      expect(metaOf(replies)?.kind).toBe('help');
      expect(lastMeta(replies)?.step).toBe('whatLeaked');
    });
  });

  describe('exactly once and durability', () => {
    it('a double-submitted confirmation creates one ticket', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('I want to delete my data');
      await chat.say('13800001234');
      await chat.say('everything');
      const yes = userMessage('yes', { locale: 'en-US', conversationId: chat.id });
      const results = await Promise.allSettled([app.send(yes), app.send({ ...yes, id: `${yes.id}-retry` })]);
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      expect((await app.app.assistant.tickets.list()).filter((t) => t.conversationId === chat.id)).toHaveLength(1);
    });

    it('a user mid-flow continues after the server restarts on the same data directory', async () => {
      const first = await startTestApp({}, { delivery });
      const chatId = `restart-${Date.now()}`;
      const say = (a: TestApp, text: string) => a.send(userMessage(text, { locale: 'en-US', conversationId: chatId }));
      await say(first, 'I want to report a leak');
      await say(first, 'bank card');
      await first.close();
      const second = await startTestApp({}, { dataDir: first.dataDir, delivery });
      try {
        const replies = await say(second, 'a phone call');
        expect(lastMeta(replies)).toMatchObject({ flow: 'leakReport', step: 'when' });
      } finally {
        await second.close();
      }
    });
  });

  describe('personal data', () => {
    it('a typed ID card number is refused, never stored, and never reaches the logs', async () => {
      const chat = conversation(app, { locale: 'en-US' });
      await chat.say('I want to delete my data');
      const warned = await chat.say('my id is 11010519491231002X and phone 13800001234');
      expect(messagesOf(warned)[0]?.text).toMatch(/don't send your full ID card number/);
      await chat.say('delete 11010519491231002X from your records');
      const ticket = (await ticketOf(await chat.say('yes')))!;
      expect(JSON.stringify(ticket)).not.toContain('11010519491231002X');
      expect(app.logLines.join('\n')).not.toContain('11010519491231002X');
      expect(app.logLines.join('\n')).not.toContain('13800001234');
    });
  });
});
