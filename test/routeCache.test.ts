/**
 * Remembered decisions (knowledge/routeCache.ts): a message asked again gets the decision it got the first time,
 * without being routed again; the memory is bounded, least recently used first; and over the real policy, a
 * knowledge base that remembers decides exactly as one that routes every message afresh.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import type { Decision } from '../knowledge/decide.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { rememberingRoutes } from '../knowledge/routeCache.js';

/** A route that records what it was asked and answers with a decision naming the text. */
function countingRoute(): { route: (text: string, locale: string) => Decision; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    route: (text, locale) => {
      asked.push(`${locale}:${text}`);
      return { kind: 'fallback', reason: 'low-confidence', confidence: text.length, topic: `${locale}:${text}` };
    },
  };
}

describe('rememberingRoutes', () => {
  it('routes a message once and gives the same decision when it is asked again', () => {
    const { route, asked } = countingRoute();
    const remembering = rememberingRoutes(route, 10);
    const first = remembering('Do you log my IP?', 'en-US');
    expect(remembering('Do you log my IP?', 'en-US')).toBe(first);
    expect(asked).toEqual(['en-US:Do you log my IP?']);
  });

  it('keeps the locale in the key: the same text in another conversation language is routed for that one', () => {
    const { route, asked } = countingRoute();
    const remembering = rememberingRoutes(route, 10);
    remembering('ok', 'en-US');
    expect(remembering('ok', 'zh-CN')).toMatchObject({ topic: 'zh-CN:ok' });
    expect(asked).toEqual(['en-US:ok', 'zh-CN:ok']);
  });

  it('forgets the least recently used message first when full', () => {
    const { route, asked } = countingRoute();
    const remembering = rememberingRoutes(route, 2);
    remembering('a', 'en-US');
    remembering('b', 'en-US');
    remembering('a', 'en-US'); // 'a' is now the most recent: 'b' goes when 'c' comes
    remembering('c', 'en-US');
    remembering('a', 'en-US');
    remembering('b', 'en-US');
    expect(asked).toEqual(['en-US:a', 'en-US:b', 'en-US:c', 'en-US:b']);
  });

  it('remembers nothing at capacity 0, and never a long message', () => {
    const off = countingRoute();
    const none = rememberingRoutes(off.route, 0);
    none('a', 'en-US');
    none('a', 'en-US');
    expect(off.asked).toHaveLength(2);

    const on = countingRoute();
    const remembering = rememberingRoutes(on.route, 10);
    const story = 'My account was taken over last week. '.repeat(10);
    remembering(story, 'en-US');
    remembering(story, 'en-US');
    expect(on.asked).toHaveLength(2);
  });
});

describe('a knowledge base that remembers decides as one that does not', () => {
  let remembering: KnowledgeBase;
  let fresh: KnowledgeBase;
  beforeAll(() => {
    const { policyFiles, modelCacheDir } = loadConfig({});
    remembering = loadKnowledgeBase(policyFiles, { modelCacheDir, routeCacheSize: 100 });
    fresh = loadKnowledgeBase(policyFiles, { modelCacheDir, routeCacheSize: 0 });
  });

  it('hands out a remembered decision frozen: a turn cannot change what later turns get', () => {
    const decision = remembering.route('Do you share my data with third parties?', 'en-US');
    expect(decision.kind).toBe('answer');
    expect(() => { (decision as { confidence: number }).confidence = 0; }).toThrow(TypeError);
    const hits = (decision as Extract<typeof decision, { kind: 'answer' }>).hits as unknown as { score: number }[];
    expect(() => { hits[0]!.score = 0; }).toThrow(TypeError);
    expect(() => { hits.pop(); }).toThrow(TypeError);
  });

  it.each([
    ['Do you log my IP address?', 'en-US'],
    ['my account was hacked', 'en-US'],
    ['hi', 'en-US'],
    ['how long do you keep IP logs', 'en-US'],
    ['你们会和第三方共享我的信息吗？', 'zh-CN'],
    ['我要删除我的数据', 'zh-CN'],
    ['Do you log my IP address?', 'zh-CN'],
  ])('%s (%s), asked twice', (text, locale) => {
    const expected = fresh.route(text, locale);
    expect(remembering.route(text, locale)).toEqual(expected);
    expect(remembering.route(text, locale)).toEqual(expected);
  });
});
