/** Every key exists in every locale with the same placeholders; commands are recognised from locale keyword lists. */
import { describe, expect, it } from 'vitest';
import { createI18n, loadResources } from '../i18n/i18n.js';
import { resolveLocale } from '../i18n/locale.js';
import { detectCommand } from '../dialogs/keywords.js';

type Tree = { [k: string]: unknown };
function leaves(tree: Tree, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [kk, vv] of leaves(v as Tree, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}
const placeholders = (v: unknown): string[] => (typeof v === 'string' ? [...v.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]!).sort() : []);

describe('locale files', () => {
  const resources = loadResources() as Record<string, Record<string, Tree>>;
  const namespaces = Object.keys(resources['en-US']!);

  it.each(namespaces)('namespace %s has the same keys and placeholders in en-US and zh-CN', (ns) => {
    const en = leaves(resources['en-US']![ns]!);
    const zh = leaves(resources['zh-CN']?.[ns] ?? {});
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, value] of en) expect(placeholders(zh.get(key)), `${ns}:${key}`).toEqual(placeholders(value));
  });
});

describe('locale resolution', () => {
  it.each([
    ['zh', '', 'zh-CN'], ['zh-CN', '', 'zh-CN'], ['zh-Hans-CN', '', 'zh-CN'], ['en-GB', '你好', 'en-US'],
    ['fr-FR', '', 'en-US'], [undefined, '我的数据', 'zh-CN'], [undefined, 'my data', 'en-US'],
  ])('locale %s with text "%s" → %s', (locale, text, expected) => {
    expect(resolveLocale(locale, text)).toBe(expected);
  });
});

describe('commands', () => {
  const i18n = createI18n();
  it.each([
    ['help', 'help'], ['Help!', 'help'], ['帮助', 'help'], ['cancel', 'cancel'], ['cancel please', 'cancel'], ['取消', 'cancel'],
    ['talk to a person', 'handoff'], ['I need a human', 'handoff'], ['转人工', 'handoff'], ['我要找客服', 'handoff'],
    ['stop tracking my location', undefined], ['can customer service help me delete my data', undefined],
    ['如果我跟客服聊天，你们会保存聊天内容吗', undefined],
  ])('"%s" is %s', (text, command) => {
    expect(detectCommand(text, i18n)).toBe(command);
  });
});
