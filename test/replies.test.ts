/** The answer as a person reads it: said once, cited, lists as lists, follow-ups as real questions on the topic. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { createI18n, type I18n } from '../i18n/i18n.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { answerMessage, asQuestion, followUpActions, listItems, relatedOnTopic, wholePassageMessage } from '../dialogs/replies.js';

let kb: KnowledgeBase;
let i18n: I18n;
beforeAll(() => {
  kb = loadKnowledgeBase(loadConfig().policyFiles);
  i18n = createI18n();
}, 60_000);

describe('answers', () => {
  it.each(['en-US', 'zh-CN'] as const)('%s: a long passage is answered by its summary and the citation, without quoting the passage again', (locale) => {
    const passage = kb.passage('4#2', locale)!;
    const text = answerMessage(kb, i18n, '4#2', locale, []).text!;
    expect(text).toContain(kb.aids('4#2', locale)!.summary);
    expect(text).not.toContain(passage.text);
    expect(text).not.toMatch(/^>/m);
    expect(text).toContain(`](/policy${locale === 'zh-CN' ? '?lang=zh-CN' : ''}#4%232)`);
  });

  it('a short passage is its own answer, said once', () => {
    const passage = kb.passage('6.2', 'en-US')!;
    const text = answerMessage(kb, i18n, '6.2', 'en-US', []).text!;
    expect(text.split(passage.text).length - 1).toBe(1);
    expect(text).not.toMatch(/^>/m);
  });

  it.each(['en-US', 'zh-CN'] as const)('%s: a passage that introduces a list answers with the titles of its items, in chat and in "more"', (locale) => {
    const items = listItems(kb, '3#1', locale);
    expect(items.map((p) => p.id)).toEqual(['3.1', '3.2', '3.3', '3.4', '3.5', '3.6', '3.7']);
    const text = answerMessage(kb, i18n, '3#1', locale, []).text!;
    for (const item of items) expect(text).toContain(`- ${item.title}`);
    const more = wholePassageMessage(kb, i18n, '3#1', locale);
    for (const item of items) expect(more.text).toContain(item.title);
    expect(listItems(kb, '1#1', 'en-US').map((p) => p.id)).toEqual(['1.1', '1.2#1', '1.3#1', '1.4']);
  });
});

describe('follow-up buttons', () => {
  it('are questions: a capital letter and a question mark (？ in Chinese)', () => {
    expect(asQuestion('do you record my ip', 'en-US')).toBe('Do you record my ip?');
    expect(asQuestion('密码泄露了怎么办', 'zh-CN')).toBe('密码泄露了怎么办？');
    for (const locale of ['en-US', 'zh-CN'] as const) {
      for (const p of kb.document(locale).passages) {
        for (const action of followUpActions(kb, p.id, locale)) {
          expect(action.title).toMatch(locale === 'zh-CN' ? /？$/u : /^[A-Z].*\?$/);
          expect(action.value).toBe(action.title);
        }
      }
    }
  });

  it('stay on topic: a one-way link into another section is dropped', () => {
    // "How can I see my data" (5) lists data security (4#1), which does not point back: not offered.
    expect(relatedOnTopic(kb, '5', 'en-US')).not.toContain('4#1');
    expect(relatedOnTopic(kb, '5', 'en-US')).toContain('1.1');
    expect(relatedOnTopic(kb, '6.1', 'en-US')).toEqual(expect.arrayContaining(['6.2']));
  });
});
