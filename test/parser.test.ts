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
import { MAX_TITLE, MAX_WORDS, coverage, inspectReport, parsePolicy, parsePolicyTraced, passageWords, shortTitle, updateDate, type ParseTrace } from '../knowledge/parsePolicy.js';
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

/**
 * THE PROPERTY: nothing is lost, nothing is doubled. Precisely: every non-empty
 * line of the input (after cleaning) is in exactly one passage group (a passage
 * and its split parts), and the multiset of normalised words of the input equals
 * the multiset of words of all passages' texts plus the titles that are heading
 * lines (`titleLine`); titles derived from text, repeated for a heading's later
 * paragraphs, or marked "(cont.)" are not counted. Normalised words: lower-cased
 * runs of letters and digits, each Chinese character one word, a line's
 * numbering or Markdown prefix (`1.2`, `一、`, `(3)`, `##`) left out, since it
 * became the id. The normaliser here is written independently of the parser's.
 */
const MARKER = /^(?:#{1,6}\s+)?(?:\d{1,3}(?:\.\d{1,3})+\.?\s*|\d{1,3}[.、]\s*|[一二三四五六七八九十]{1,3}、\s*|[(（]\d{1,3}[)）]\s*)/u;
const normalise = (line: string): string[] =>
  line.replace(MARKER, '').toLowerCase().match(/\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu) ?? [];
const bag = (ws: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const w of ws) m.set(w, (m.get(w) ?? 0) + 1);
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
};
function checkLosesNothing(trace: ParseTrace, raw: string): void {
  const { document: doc, lines, sources } = trace;
  expect(lines).toHaveLength(cleanText(raw).split('\n').filter((l) => l.trim() !== '').length);
  const owner = new Map<number, Set<string>>();
  sources.forEach((s, i) => {
    expect(s.id).toBe(doc.passages[i]!.id);
    for (const l of [...s.lines, ...(s.titleLine !== undefined ? [s.titleLine] : [])]) owner.set(l, (owner.get(l) ?? new Set()).add(s.partOf ?? s.id));
  });
  expect([...owner.keys()].sort((a, b) => a - b)).toEqual(lines.map((_, i) => i));
  expect([...owner].filter(([, o]) => o.size > 1)).toEqual([]);
  const out = doc.passages.flatMap((p, i) => [...p.text.split('\n').flatMap(normalise), ...(sources[i]!.titleLine !== undefined ? normalise(p.title) : [])]);
  expect(bag(out)).toEqual(bag(lines.flatMap(normalise)));
}

const FIXTURES = ['decimal-policy.txt', 'markdown-policy.md', 'plain-policy.txt', 'us-numbered-policy.txt', 'us-html-export.txt', 'us-markdown-policy.md', 'us-bullets-policy.txt'];
const SOURCES: [string, string][] = [
  ...FIXTURES.map((f): [string, string] => [f, fixture(f)]),
  ...['en-US', 'zh-CN'].map((l): [string, string] => [`buygogo ${l}`, fs.readFileSync(path.join(policyDir, `buygogo-privacy-policy.${l}.txt`), 'utf8')]),
];

describe('a parser that loses nothing', () => {
  it.each(SOURCES)('%s: every line is in exactly one passage, every word once', (_name, raw) => {
    const trace = parsePolicyTraced(raw);
    checkLosesNothing(trace, raw);
    const c = coverage(trace);
    expect([c.lost.size, c.extra.size, c.input - c.passages]).toEqual([0, 0, 0]);
  });

  it.each(SOURCES)('%s: ids are unique passage ids, passages are short enough, titles short', (_name, raw) => {
    const doc = parsePolicy(raw);
    const ids = doc.passages.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of doc.passages) {
      expect(p.id).toMatch(/^[\d#.]+$/);
      expect(passageWords(p.text)).toBeLessThanOrEqual(MAX_WORDS);
      expect(p.title.length).toBeLessThanOrEqual(p.id.includes('##') ? MAX_TITLE + 8 : MAX_TITLE);
      expect(p.sectionTitle.length).toBeLessThanOrEqual(MAX_TITLE);
    }
  });

  it('words survive cleaning in ordinary US text (camel-case names included)', () => {
    for (const f of FIXTURES.filter((f) => f.startsWith('us-'))) {
      const raw = fixture(f).split('\n').filter((l) => l.trim() !== '');
      expect(bag(cleanText(raw.join('\n')).split('\n').flatMap(normalise))).toEqual(bag(raw.flatMap(normalise)));
    }
    expect(cleanText('BuygogoPrivacy Policy\nTrailMate Labs LLC')).toBe('Buygogo Privacy Policy\nTrailMate Labs LLC');
  });

  it('keeps the paragraphs after a top-level numbered sentence ("1. SCOPE" style, measured loss 45 of 58)', () => {
    const doc = parsePolicy(fixture('us-numbered-policy.txt'));
    const ids = doc.passages.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['1#1', '1#3', '3', '3#1', '3#3', '5', '5#1', '5#3']));
    expect(doc.passages.find((p) => p.id === '5#2')?.text).toMatch(/^We may share information in connection with/);
    expect(doc.passages.find((p) => p.id === '1#1')?.title).toBe('SCOPE');
    // A list restarting at "1." inside section 4 and a street number are text, not sections.
    expect(doc.passages.find((p) => p.id === '4#1')?.text).toMatch(/to:\n1\. Provide[^]*4\. Communicate/);
    expect(doc.passages.find((p) => p.id === '9')?.text).toMatch(/contact us at:\nHarborview Outfitters, Inc\.\nAttn: Privacy Office\n100 Pine Street/);
    expect(doc.updated).toBe('2014-03-03');
  });

  it('reads ALL-CAPS headings, bullets and a run-in sub-heading from text exported from HTML', () => {
    const doc = parsePolicy(fixture('us-html-export.txt'));
    expect(doc.updated).toBe('2019-05-01');
    expect(doc.title).toBe('PRIVACY POLICY');
    expect(doc.passages.filter((p) => /^[1-9]\d*(#1)?$/.test(p.id)).map((p) => p.sectionTitle)).toEqual([
      'INFORMATION WE COLLECT', 'HOW WE USE INFORMATION', 'SHARING OF INFORMATION', 'COOKIES AND SIMILAR TECHNOLOGIES', 'DATA RETENTION',
      'YOUR RIGHTS AND CHOICES', 'CHILDREN', 'SECURITY', 'INTERNATIONAL USERS', 'CHANGES TO THIS POLICY', 'CONTACT US',
    ]);
    expect(doc.passages.find((p) => p.id === '1#3')?.text).toMatch(/^Device and usage data\nWe automatically[^]*\n• Log files[^]*\n• Advertising identifiers/);
    expect(doc.passages.find((p) => p.id === '3')?.text.split('\n')).toHaveLength(6);
  });

  it('reads Title Case headings and keeps "-", "*", "•" lists with their lead-in', () => {
    const doc = parsePolicy(fixture('us-bullets-policy.txt'));
    expect(doc.updated).toBe('2014-03-03');
    expect(doc.passages.find((p) => p.id === '1')?.text.split('\n')).toHaveLength(6);
    expect(doc.passages.find((p) => p.id === '2#3')?.text).toMatch(/^We also use information to:\n\* improve/);
    expect(doc.passages.find((p) => p.id === '4')?.title).toBe('Children Under 13');
  });

  it('Markdown: bullets and numbered lists stay with their lead-in; a heading with only sub-headings is kept', () => {
    const doc = parsePolicy(fixture('us-markdown-policy.md'));
    expect(doc.passages.map((p) => p.id)).toEqual(['0', '1#1', '1.1', '1.2', '2#1', '2#2', '3#1', '3#2', '4', '4.1', '4.2', '5', '6', '7']);
    expect(doc.passages.find((p) => p.id === '4')?.text).toBe('Your choices');
    expect(doc.passages.find((p) => p.id === '1#1')?.text.split('\n')).toHaveLength(6);
    expect(doc.updated).toBe('2014-03-03');
  });
});

describe('long passages and long titles', () => {
  const sentence = (i: number): string => `Sentence ${i} says that we keep the records of order ${i} for as long as the law requires us to keep them.`;
  const giant = `${Array.from({ length: 46 }, (_, i) => sentence(i + 1)).join(' ')} That is all.`;

  it('splits a 1,015-word paragraph at sentence boundaries into parts under the original id', () => {
    expect(passageWords(giant)).toBe(1015);
    const trace = parsePolicyTraced(`Example Policy\n1. RETENTION\nShort lead.\n${giant}\n2. CONTACT\nWrite to us.`);
    checkLosesNothing(trace, `Example Policy\n1. RETENTION\nShort lead.\n${giant}\n2. CONTACT\nWrite to us.`);
    const parts = trace.document.passages.filter((p) => isUnder(p.id, '1#2'));
    expect(parts.map((p) => p.id)).toEqual(['1#2', '1#2##2', '1#2##3', '1#2##4', '1#2##5']);
    for (const p of parts) {
      expect(passageWords(p.text)).toBeLessThanOrEqual(MAX_WORDS);
      expect(p.text).toMatch(/^Sentence \d+ says[^]*(them|all)\.$/);
      expect(p.sectionTitle).toBe('RETENTION');
    }
    expect(parts.map((p) => p.title)).toEqual(['RETENTION', ...Array(4).fill('RETENTION (cont.)')]);
    expect(parts[1]!.label).toBe('Section 1, paragraph 2, part 2');
    expect(trace.sources.find((s) => s.id === '1#2##3')?.partOf).toBe('1#2');
  });

  it('splits a passage with no heading too, and localises the part title and label', () => {
    const doc = parsePolicy(`${giant}`, { labels: { continued: (t, k) => `${t} [${k}]`, part: (l, k) => `${l} / ${k}` } });
    expect(doc.passages.map((p) => p.id)).toEqual(['1', '1##2', '1##3', '1##4', '1##5']);
    expect(doc.passages[2]!.title).toMatch(/ \[3\]$/);
    expect(doc.passages[2]!.label).toBe('Section 1 / 3');
    const zh = parsePolicy(`隐私政策\n一、保存\n${'我们会在法律要求的期限内保存您的订单记录。'.repeat(60)}`, { locale: 'zh-CN' });
    expect(zh.passages.map((p) => p.id)).toEqual(['0', '1', '1##2', '1##3']);
    expect(zh.passages[2]!.title).toBe('保存（续）');
    expect(zh.passages[2]!.label).toBe('第1节（第2部分）');
  });

  it('never uses a long paragraph as a title', () => {
    const long = `This paragraph was exported as a heading ${'because the page styled it in bold and the exporter kept the style '.repeat(15)}`.trim();
    expect(long.length).toBeGreaterThan(1000);
    for (const raw of [`# Policy\n## ${long}\nBody text.`, `Policy\n1. ${long}\nBody text.`, `${long}\nSecond paragraph.`]) {
      const trace = parsePolicyTraced(raw);
      checkLosesNothing(trace, raw);
      for (const p of trace.document.passages) expect(p.title.length).toBeLessThanOrEqual(MAX_TITLE);
      expect(trace.document.title.length).toBeLessThanOrEqual(MAX_TITLE);
    }
  });
});

describe('small helpers', () => {
  it('short titles keep a short first sentence and cut a long one', () => {
    expect(shortTitle('Your device information. Buygogo may read more.')).toBe('Your device information');
    expect(shortTitle('Our product is developed based on Flutter, and during the application runtime, we need things.')).toMatch(/…$/);
  });

  it.each([
    ['更新日期：2022年8月23日', '2022-08-23'],
    ['2022年8月23日更新', '2022-08-23'],
    ['Update Date: 2022-08-23', '2022-08-23'],
    ['Update Date:2022Year8Month23Day', '2022-08-23'],
    ['Last updated: March 3, 2014', '2014-03-03'],
    ['LAST UPDATED: Sept. 30th, 2015', '2015-09-30'],
    ['Effective date: 2019-05-01', '2019-05-01'],
    ['Updated on 3 March 2014', '2014-03-03'],
    ['Last Updated:\nMarch 3, 2014', '2014-03-03'],
    ['Effective as of 01/15/2020', '2020-01-15'],
    ['Privacy Policy\nWe were founded on 1 June 2001.\nThis policy was last revised on 4 April 2016.', '2016-04-04'],
  ])('reads the update date in %j', (text, iso) => {
    expect(updateDate(text)).toBe(iso);
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

  it('kb stamp refuses a training file given where a policy belongs, and writes nothing', async () => {
    const file = 'knowledge/training/en-US/round12.json';
    const before = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    const failed = await run('stamp', file).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('is not a policy file');
    expect(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8')).toBe(before);
  });

  it('reports words in input vs in passages, the longest passage and long titles', async () => {
    const { stdout } = await run('inspect', 'test/fixtures/us-numbered-policy.txt');
    expect(stdout).toMatch(/Words: (\d+) in input, \1 in passages/);
    expect(stdout).toMatch(/Longest passage: 4#2 \(\d+ words/);
    expect(stdout).toContain('Titles: none over 80 characters');
    expect(stdout).not.toContain('WARNING');
  });

  it('warns loudly when a parse loses words', () => {
    const trace = parsePolicyTraced(fixture('decimal-policy.txt'));
    const dropped: ParseTrace = {
      ...trace,
      document: { ...trace.document, passages: trace.document.passages.filter((p) => p.id !== '1#2') },
      sources: trace.sources.filter((s) => s.id !== '1#2'),
    };
    const report = inspectReport(dropped);
    expect(report.ok).toBe(false);
    expect(report.lines.join('\n')).toMatch(/WARNING: 12 WORDS OF THE INPUT ARE IN NO PASSAGE[^]*line 8 is in no passage/);
    expect(inspectReport(trace).ok).toBe(true);
  });

  it('explains its usage and exits 2 on an unknown command', async () => {
    await expect(run('explode')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('Usage') });
  });
});
