/**
 * Search and routing over the real policy in both languages. The questions
 * here are the team's own phrasings (not the evaluation set), one per kind of
 * difficulty: synonyms, typos, spoken transcripts, Chinese segmentation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { isUnder } from '../knowledge/passage.js';
import { detectStatedAge } from '../knowledge/detectAge.js';
import { createWordSplitter } from '../knowledge/search/wordSplit.js';
import { createSpeller, editDistance } from '../knowledge/search/spelling.js';
import { rewritePhrase } from '../knowledge/search/lexicon.js';

let kb: KnowledgeBase;
beforeAll(() => {
  const config = loadConfig({});
  kb = loadKnowledgeBase(config.policyFiles);
});

const routedTo = (text: string, locale: string): string => {
  const d = kb.route(text, locale);
  return d.kind === 'answer' ? d.passageId : d.kind === 'flow' ? `flow:${d.flow}` : d.kind;
};

/** Whether `got` is one of `expected`'s outcomes ("3.3|3.5"), a passage under one counting as it (as the eval scores). */
const isOneOf = (got: string, expected: string): boolean => expected.split('|').some((e) => got === e || isUnder(got, e));

describe('English questions find their passage', () => {
  it.each([
    ['is my ip adress recorded when I browse', '1.2.1'],
    ['can I turn off gps tracking', '1.2.2'],
    ['do you use web beacons or tracking pixels', '6'],
    ['what do you do with cookies', '6'],
    ['will you hand my info to the police', '3.2'],
    ['what happens to my data if buygogo gets bought by another company', '3#2'],
    // A passage answers it and the flow acts on it: either is right (as in the eval's expectations).
    ['do minors need permission from their parents', '7|flow:minorConsent'],
    ['how will i know when the privacy policy changes', '8'],
    ['where can I edit my personal details', '5'],
    ['uh does buy go go share my stuff with payment companies', '3.3'],
    // Round 10's kinds: a courier doing Buygogo's work, and one's own phone number changed in Settings.
    ['will the delivery company be given my mobile number', '3.3|3.5'],
    ['how can i update my phone number', '5|flow:dataRequest'],
    // Round 11's kinds: an account made long ago (no age in it: never minor consent), strangers who know what I
    // bought, a quarrel with a shop (3.5: shared only to settle a dispute). Without round 11 the quarrel went to 3.3.
    ['I created this account a long time ago with a number that isn\'t mine anymore. How do I change it to my current one?', '5|flow:dataRequest'],
    ['scammers texted me the exact thing I ordered from you last month, has my data been leaked?', 'flow:leakReport|4#2'],
    ['my argument with a shop over a refund is going nowhere. do they get my phone number from you?', '3.5'],
    ['what is my android id used for', '1.4'],
  ])('%s → %s', (question, expected) => {
    expect(isOneOf(routedTo(question, 'en-US'), expected)).toBe(true);
  });
});

describe('Chinese questions find their passage', () => {
  it.each([
    ['你们会记录我的IP地址吗', '1.2.1'],
    ['怎么关闭定位', '1.2.2'],
    ['你们会把我的信息给第三方吗', '3'],
    ['公司被收购了我的信息怎么办', '3#2'],
    ['在哪里查看和修改我的个人信息', '5'],
    ['隐私政策更新了会通知我吗', '8'],
    ['网络信标是做什么用的', '6'],
    ['送货的快递公司会拿到我的手机号吗', '3.3|3.5'],
    ['我想改一下我的邮箱 在哪弄', '5|flow:dataRequest'],
    // Round 11's kinds (without it the first and the last fell back).
    ['我很多年前注册的 绑定的手机号早就停用了 怎么换成现在的号', '5|flow:dataRequest'],
    ['有人打电话能准确说出我在百购买的东西 我的信息是不是泄露了', 'flow:leakReport|4#2'],
    ['跟店家因为退款吵了好几天 他们能从你们这拿到我的电话吗', '3.5'],
  ])('%s → %s', (question, expected) => {
    expect(isOneOf(routedTo(question, 'zh-CN'), expected)).toBe(true);
  });
});

describe('phrase rewrites of the lexicon', () => {
  const ip = { literal: 'ip', to: ' ipaddress ', wholeWords: true };
  it.each([
    ['do you log my ip', 'do you log my  ipaddress '],
    ['ip, ip and ship', ' ipaddress ,  ipaddress  and ship'], // every whole word, none inside "ship"
    ['zip ipod ip2 éip ip', 'zip ipod ip2 éip  ipaddress '], // letters and digits of any script bound a word
    ['𝐀ip ip', '𝐀ip  ipaddress '], // a letter outside the basic plane (two UTF-16 units) is a letter too
  ])('"%s" (Latin phrase: whole words only)', (text, expected) => {
    expect(rewritePhrase(text, ip)).toBe(expected);
  });

  it('replaces a Han phrase wherever it stands, left to right', () => {
    expect(rewritePhrase('个人信息和信息', { literal: '信息', to: ' 资料 ', wholeWords: false })).toBe('个人 资料 和 资料 ');
    expect(rewritePhrase('aaaa', { literal: 'aa', to: 'b', wholeWords: false })).toBe('bb');
  });
});

describe('words run together (a missed space bar, a transcript that glued them)', () => {
  const splitter = createWordSplitter([
    'give my data to the third parties', 'give it back to my account', 'my data, my parties, the third time',
    'do you give data to third parties, the end', 'qz qz',
  ]);

  it('splits a word nobody wrote whole into the likeliest known words, two before three', () => {
    expect(splitter.split('givemy')).toEqual(['give', 'my']);
    expect(splitter.split('thirdparties')).toEqual(['third', 'parties']);
    expect(splitter.split('tothethird')).toEqual(['to', 'the', 'third']);
  });

  it('leaves known words, words too short to tell, and words no likely split explains', () => {
    expect(splitter.split('parties')).toBeUndefined();
    expect(splitter.split('tomy')).toEqual(['to', 'my']);
    expect(splitter.split('myt')).toBeUndefined(); // shorter than four letters
    expect(splitter.split('givexyz')).toBeUndefined(); // "xyz" was never seen
    expect(splitter.split('qzqz')).toBeUndefined(); // "qz" seen too rarely to split into
  });

  it('answers a question whose words ran together like the spaced one', () => {
    expect(routedTo('do you share my data with third parties', 'en-US')).toBe('3#1');
    expect(routedTo('do you share mydata with thirdparties', 'en-US')).toBe('3#1');
  });
});

describe('misspelt words are mended to words people write', () => {
  const policy = ['We use cookies and protect your privacy and your password.', 'We detect fraud and store your data.'];
  // The training data: "delete" is common there, and holds a typo on purpose, "adress", beside the real word.
  const everyday = [
    ...Array<string>(6).fill('please delete my account'), ...Array<string>(3).fill('i deleted it'), ...Array<string>(3).fill('my adress'),
    ...Array<string>(30).fill('my address'),
  ];
  const speller = createSpeller(policy, everyday);

  it('counts two neighbouring letters swapped as one edit', () => {
    expect(editDistance('cookeis', 'cookies')).toBe(1);
    expect(editDistance('delte', 'detect')).toBe(3);
    expect(editDistance('privacy', 'privacy')).toBe(0);
  });

  it('mends swapped letters and dropped letters to the policy\'s and the training data\'s words', () => {
    expect(speller.mend('do you use cookeis')).toBe('do you use cookies');
    expect(speller.mend('my pirvacy')).toBe('my privacy');
    expect(speller.mend('delte my acount')).toBe('delete my account');
    expect(speller.mend('my pxyvxcy')).toBe('my pxyvxcy'); // three edits from "privacy": nothing near enough
  });

  it('never mends a word three edits away, and mends a word the data uses only to one written far more often', () => {
    // With the policy alone, "delete" is not a word to aim at, and "detect" is three edits away: left as it is.
    expect(createSpeller(policy).mend('delte')).toBe('delte');
    expect(speller.mend('adress')).toBe('address'); // 3 times beside 30
    expect(speller.mend('deleted')).toBe('deleted'); // 3 times beside 6: a word of its own
  });

  it('answers a question with swapped letters like the one spelt right', () => {
    expect(routedTo('does the website use cookeis', 'en-US')).toBe(routedTo('does the website use cookies', 'en-US'));
  });
});

describe('a question told inside a story', () => {
  const story = 'My bank card got stolen last month and I had to cancel it.';
  const question = 'Anyway, do you store my bank card number in the app?';

  it('is answered from its passage, with the flow the story is about offered beside it', () => {
    expect(kb.route(`${story} ${question}`, 'en-US')).toMatchObject({ kind: 'answer', passageId: '1.1', offerFlow: 'leakReport' });
  });

  it('still says when the message was longer than what is read', () => {
    const long = `${story} ${question} ${'I had to call the bank and wait on the line for ages. '.repeat(20)}`;
    expect(kb.route(long, 'en-US')).toMatchObject({ kind: 'answer', offerFlow: 'leakReport', truncated: true });
  });

  it('leaves the flow when the message also asks for it, states an age under 18, or has no sentence marks (a voice transcript)', () => {
    expect(routedTo(`${story} I want to report it. ${question}`, 'en-US')).toBe('flow:leakReport');
    expect(routedTo(`My son is 15 and his bank card got stolen. ${question}`, 'en-US')).toBe('flow:minorConsent');
    expect(routedTo(`${story} ${question}`.toLowerCase().replace(/[.,?]/g, ''), 'en-US')).toBe('flow:leakReport');
  });
});

describe('what the policy does not answer', () => {
  it.each([
    ['what is the capital of France', 'en-US'],
    ['my parcel is three days late', 'en-US'],
    ['do you scan my fingerprint', 'en-US'],
    ['明天会下雨吗', 'zh-CN'],
    ['我的退货什么时候到账', 'zh-CN'],
    ['when does your hotline close', 'en-US'],
    ['人工客服几点下班啊', 'zh-CN'],
  ])('"%s" falls back', (question, locale) => {
    expect(routedTo(question, locale)).toBe('fallback');
  });
});

describe('requests start guided flows', () => {
  it.each([
    ['somebody hacked my account and placed orders', 'en-US', 'flow:leakReport'],
    ['please erase my account and everything you have on me', 'en-US', 'flow:dataRequest'],
    ['I am 13 years old, can I make an account?', 'en-US', 'flow:minorConsent'],
    ['我的账号被别人盗了', 'zh-CN', 'flow:leakReport'],
    ['我要删除我的账号和数据', 'zh-CN', 'flow:dataRequest'],
    ['我女儿十三岁，想注册百购', 'zh-CN', 'flow:minorConsent'],
    ["I'm in year 9, do I need my parents to say yes?", 'en-US', 'flow:minorConsent'],
    ['我上初二，可以自己注册吗', 'zh-CN', 'flow:minorConsent'],
  ])('%s → %s', (question, locale, expected) => {
    expect(routedTo(question, locale)).toBe(expected);
  });
});

describe('stated ages', () => {
  it.each([
    ["I'm 15", 15],
    ['my 12-year-old wants to shop', 12],
    ['she is sixteen', 16],
    ['我今年十五岁', 15],
    ['孩子12岁', 12],
    ['I ordered 15 items', undefined],
    ['it has been 10 days', undefined],
    // School years give the youngest usual age; the last school year is left to the person to say.
    ["I'm in year 9, can I still use the app?", 13],
    ['year 9', 13],
    ['my son is in 7th grade', 12],
    ['我上初二', 13],
    ['孩子读初中', 12],
    ['I teach year 9 at a school', undefined],
    ['in the year 2019 I ordered a phone', undefined],
    ['正月初一发货吗', undefined],
    ["I'm in year 13", undefined],
  ])('%s → %s', (text, age) => {
    expect(detectStatedAge(text)).toBe(age);
  });
});
