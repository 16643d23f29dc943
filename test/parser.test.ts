/**
 * The policy parser: ids follow knowledge/policy/PASSAGES.md exactly, both
 * languages share them, artefacts are cleaned, and other numbering styles work.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config/config.js';
import { loadPolicy } from '../knowledge/loadPolicy.js';
import { parsePolicy, shortTitle, updateDate } from '../knowledge/parsePolicy.js';
import { cleanText } from '../knowledge/cleanText.js';
import { isUnder } from '../knowledge/passage.js';

const policyDir = path.join(REPO_ROOT, 'knowledge/policy');
const en = loadPolicy(path.join(policyDir, 'buygogo-privacy-policy.en-US.txt'));
const zhFile = path.join(policyDir, 'buygogo-privacy-policy.zh-CN.txt');
const fixture = (name: string): string => fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures', name), 'utf8');

/** The id column of the table in PASSAGES.md, in order. */
function contractIds(): string[] {
  const md = fs.readFileSync(path.join(policyDir, 'PASSAGES.md'), 'utf8');
  return [...md.matchAll(/^\|\s*([0-9][0-9.#]*)\s*\|/gm)].map((m) => m[1]!);
}

describe('the Buygogo policy', () => {
  it('parses into exactly the ids of the PASSAGES.md table, in reading order', () => {
    expect(contractIds()).toHaveLength(40);
    expect(en.passages.map((p) => p.id)).toEqual(contractIds());
  });

  it.runIf(fs.existsSync(zhFile))('has the same ids in Chinese as in English', () => {
    const zh = loadPolicy(zhFile);
    expect(zh.locale).toBe('zh-CN');
    expect(zh.passages.map((p) => p.id)).toEqual(en.passages.map((p) => p.id));
    expect(zh.passages.find((p) => p.id === '7')?.text).toMatch(/18/);
  });

  it('reads the update date and the title', () => {
    expect(en.updated).toBe('2022-08-23');
    expect(en.title).toBe('Buygogo Privacy Policy');
  });

  it.each([
    ['1.2#2', /^In addition to the above information/],
    ['3#2', /mergers, acquisitions/],
    ['5', /Personal Center/],
    ['7', /under the age of 18/],
    ['1.2.3', /device model/],
  ])('passage %s says what the table says', (id, text) => {
    expect(en.passages.find((p) => p.id === id)?.text).toMatch(text);
  });

  it('titles and labels passages for citations', () => {
    const device = en.passages.find((p) => p.id === '1.2.3')!;
    expect(device.title).toBe('Your device information');
    expect(device.label).toBe('Section 1.2(3)');
    expect(device.sectionTitle).toBe('Collection of your personal information');
    expect(en.passages.find((p) => p.id === '1.2#2')?.label).toBe('Section 1.2, paragraph 2');
  });

  it('leaves none of the source text artefacts', () => {
    const all = en.passages.map((p) => p.text).join('\n');
    expect(all).not.toMatch(/&quo;|\(\s*\)|Year\d|service\.If|[“”、]/);
    expect(all).toContain('service. If');
    expect(all).toContain('2022-08-23');
  });
});

describe('cleaning', () => {
  it.each([
    ['puts a space after a full stop that lost it', 'the service.If you', 'the service. If you'],
    ['turns a word-by-word translated date into ISO', 'Date:2022Year8Month23Day', 'Date: 2022-08-23'],
    ['decodes the broken quote entity', 'find&quo;Settings&quo;', 'find "Settings"'],
    ['drops the parentheses left by a removed phone number', 'contact us( )So that', 'contact us. So that'],
    ['separates words run together', 'BuygogoPrivacy Policy', 'Buygogo Privacy Policy'],
    ['keeps Chinese numbering and Chinese text as they are', '一、我们如何收集信息，以及用途', '一、我们如何收集信息，以及用途'],
  ])('%s', (_title, raw, cleaned) => {
    expect(cleanText(raw)).toBe(cleaned);
  });
});

describe('other document styles', () => {
  it('numbers Markdown headings, keeps a heading’s own number, and treats the lone top heading as the title', () => {
    const doc = parsePolicy(fixture('markdown-policy.md'));
    expect(doc.title).toBe('Acme Privacy Notice');
    expect(doc.passages.map((p) => p.id)).toEqual(['0', '1#1', '1.1', '1.2#1', '1.2#2', '3', '4']);
    expect(doc.updated).toBe('2024-03-01');
  });

  it('follows decimal numbering, and a sentence item leaves later paragraphs to its parent', () => {
    const doc = parsePolicy(fixture('decimal-policy.txt'));
    expect(doc.passages.map((p) => p.id)).toEqual(['0', '1#1', '1.1', '1.2', '1#2', '2']);
    expect(doc.updated).toBe('2023-05-07');
  });

  it('gives plain paragraphs ids in reading order', () => {
    const doc = parsePolicy(fixture('plain-policy.txt'));
    expect(doc.passages.map((p) => p.id)).toEqual(['1', '2', '3']);
    expect(doc.passages[1]?.text).toMatch(/never sell/);
  });

  it('labels in Chinese for a Chinese document (a heading with only items below is a passage of its own, so its words are kept)', () => {
    const doc = parsePolicy('隐私政策\n一、信息收集\n1、我们收集您的手机号。\n2、我们收集您的地址。', { locale: 'zh-CN' });
    expect(doc.passages.map((p) => [p.id, p.label])).toEqual([['0', '引言'], ['1', '第1节'], ['1.1', '第1.1节'], ['1.2', '第1.2节']]);
  });
});

describe('small helpers', () => {
  it('short titles keep a short first sentence and cut a long one', () => {
    expect(shortTitle('Your device information. Buygogo may read more.')).toBe('Your device information');
    expect(shortTitle('Our product is developed based on Flutter, and during the application runtime, we need things.')).toMatch(/…$/);
  });

  it('reads dates in English, Chinese and ISO forms', () => {
    expect(updateDate('更新日期：2022年8月23日')).toBe('2022-08-23');
    expect(updateDate('Update Date: 2022-08-23')).toBe('2022-08-23');
  });

  it('knows which ids lie under which', () => {
    expect(isUnder('1.2.3', '1.2')).toBe(true);
    expect(isUnder('1.2#2', '1')).toBe(true);
    expect(isUnder('1.20', '1.2')).toBe(false);
  });
});

describe('kb inspect', () => {
  const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'knowledge/cli.ts', ...args], { cwd: REPO_ROOT });

  it('prints every passage with its label, and JSON for tools', async () => {
    const { stdout } = await run('inspect', 'knowledge/policy/buygogo-privacy-policy.zh-CN.txt');
    expect(stdout).toContain('1.2.3   第1.2(3)节');
    expect(stdout).toMatch(/40 passages/);
    const json = JSON.parse((await run('inspect', '--json')).stdout) as { passages: { id: string }[] };
    expect(json.passages.map((p) => p.id)).toEqual(contractIds());
  });

  it('explains its usage and exits 2 on an unknown command', async () => {
    await expect(run('explode')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage') });
  });
});
