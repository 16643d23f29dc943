/**
 * Parses a policy into passages with stable ids (rules: knowledge/policy/PASSAGES.md).
 *
 * One pass classifies each line (heading, numbered item, paragraph); a second
 * builds the outline; a third gives each paragraph its id. Three numbering
 * styles are understood, because the policy is revised and other documents
 * follow: Chinese (一、 / 1、 / (1)), Markdown headings (optionally carrying
 * their own numbers: `## 2.1 Sharing`), and decimal (`1.` / `1.1` / `1.1.1`).
 * A document with no headings at all becomes one passage per paragraph.
 */
import type { Passage, PolicyDocument } from './passage.js';
import { cleanText } from './cleanText.js';

export interface Labels {
  readonly intro: string;
  /** `1` → "Section 1"; `1.2` → "Section 1.2"; `1.2.3` → "Section 1.2(3)". */
  section(path: readonly number[]): string;
  /** "Section 1.2, paragraph 2". */
  paragraph(path: readonly number[], k: number): string;
}

const dotted = (path: readonly number[]): string =>
  path.slice(0, 2).join('.') + path.slice(2).map((n) => `(${n})`).join('');

export const EN_LABELS: Labels = Object.freeze({
  intro: 'Introduction',
  section: (path: readonly number[]) => `Section ${dotted(path)}`,
  paragraph: (path: readonly number[], k: number) => `Section ${dotted(path)}, paragraph ${k}`,
});

export const ZH_LABELS: Labels = Object.freeze({
  intro: '引言',
  section: (path: readonly number[]) => `第${dotted(path)}节`,
  paragraph: (path: readonly number[], k: number) => `第${dotted(path)}节第${k}段`,
});

export interface ParseOptions {
  readonly locale?: string;
  readonly labels?: Partial<Labels>;
}

type Line =
  | { readonly kind: 'numbered'; readonly index: number; readonly level: number; readonly path?: readonly number[]; readonly n?: number; readonly body: string }
  | { readonly kind: 'paragraph'; readonly index: number; readonly body: string };

interface Node {
  readonly path: readonly number[];
  readonly title: string;
  /** A numbered line that is a whole sentence is a passage in itself and owns no paragraphs. */
  readonly isSentence: boolean;
  readonly index: number;
  readonly paragraphs: { index: number; text: string }[];
  readonly children: Node[];
  readonly level: number;
}

const CN_NUMERALS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

function chineseNumeral(s: string): number {
  if (s.length === 1) return CN_NUMERALS[s]!;
  // 十一 … 十九, 二十 …
  const [a, b] = [...s];
  if (a === '十') return 10 + (CN_NUMERALS[b!] ?? 0);
  return CN_NUMERALS[a!]! * 10 + (b === '十' ? 0 : CN_NUMERALS[b!] ?? 0) + (s.length === 3 ? CN_NUMERALS[s[2]!] ?? 0 : 0);
}

const SENTENCE_END = /[.;。；]$/u;
const PATTERNS = {
  cnSection: /^([一二三四五六七八九十]{1,3})、\s*(.*)$/u,
  cnItem: /^(\d{1,3})、\s*(.*)$/u,
  subItem: /^[(（](\d{1,3})[)）]\s*(.*)$/u,
  markdown: /^(#{1,6})\s+(.*)$/u,
  decimal: /^(\d{1,3}(?:\.\d{1,3})*)(?:\.|\s)\s*(.*)$/u,
  ownNumber: /^(\d{1,3}(?:\.\d{1,3})*)\.?\s+(.*)$/u,
};

function classify(lines: readonly string[]): { lines: Line[]; style: 'chinese' | 'markdown' | 'decimal' | 'plain' } {
  const has = (re: RegExp): boolean => lines.some((l) => re.test(l));
  const style = has(PATTERNS.cnSection) ? 'chinese' : has(PATTERNS.markdown) ? 'markdown' : has(PATTERNS.decimal) ? 'decimal' : 'plain';
  const out: Line[] = lines.map((text, index): Line => {
    let m: RegExpExecArray | null;
    if (style === 'chinese') {
      if ((m = PATTERNS.cnSection.exec(text))) return { kind: 'numbered', index, level: 1, n: chineseNumeral(m[1]!), body: m[2]! };
      if ((m = PATTERNS.cnItem.exec(text))) return { kind: 'numbered', index, level: 2, n: Number(m[1]), body: m[2]! };
    }
    if (style === 'markdown' && (m = PATTERNS.markdown.exec(text))) {
      const own = PATTERNS.ownNumber.exec(m[2]!);
      const path = own ? own[1]!.split('.').map(Number) : undefined;
      return { kind: 'numbered', index, level: m[1]!.length, ...(path ? { path } : {}), body: own ? own[2]! : m[2]! };
    }
    if (style === 'decimal' && (m = PATTERNS.decimal.exec(text))) {
      const path = m[1]!.split('.').map(Number);
      return { kind: 'numbered', index, level: path.length, path, body: m[2]! };
    }
    if (style !== 'plain' && (m = PATTERNS.subItem.exec(text))) return { kind: 'numbered', index, level: 99, n: Number(m[1]), body: m[2]! };
    return { kind: 'paragraph', index, body: text };
  });
  return { lines: out, style };
}

/** Markdown: a lone top-level heading on the first line is the document's title, not section 1. */
function markdownTitleLevel(lines: readonly Line[]): number | undefined {
  const headings = lines.filter((l): l is Extract<Line, { kind: 'numbered' }> => l.kind === 'numbered' && l.level < 99);
  const first = headings[0];
  if (!first || first.index !== 0) return undefined;
  const minLevel = Math.min(...headings.map((h) => h.level));
  return headings.filter((h) => h.level === minLevel).length === 1 && first.level === minLevel ? minLevel : undefined;
}

export function parsePolicy(raw: string, options: ParseOptions = {}): PolicyDocument {
  const locale = options.locale ?? (/\p{Script=Han}{20,}/u.test(raw) ? 'zh-CN' : 'en-US');
  const base = locale.startsWith('zh') ? ZH_LABELS : EN_LABELS;
  const labels: Labels = { ...base, ...options.labels };
  const text = cleanText(raw).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const { lines, style } = classify(text);
  const docTitle = stripMarkdown(text[0] ?? '');

  const passages: (Passage & { order: number })[] = [];
  const add = (order: number, id: string, title: string, sectionTitle: string, body: string, label: string): void => {
    passages.push({ order, id, title, sectionTitle, text: body, label });
  };

  if (style === 'plain') {
    lines.forEach((l, i) => add(i, String(i + 1), shortTitle(l.body), docTitle, l.body, labels.section([i + 1])));
    return finish(locale, docTitle, raw, passages);
  }

  const titleLevel = style === 'markdown' ? markdownTitleLevel(lines) : undefined;
  const root: Node = { path: [], title: docTitle, isSentence: false, index: -1, paragraphs: [], children: [], level: 0 };
  const front: string[] = [];
  const stack: Node[] = [root];
  let seenSection = false;
  for (const line of lines) {
    if (line.kind === 'numbered' && !(titleLevel !== undefined && line.index === 0 && line.level === titleLevel)) {
      seenSection = true;
      while (stack.length > 1 && stack[stack.length - 1]!.level >= line.level) stack.pop();
      const parent = stack[stack.length - 1]!;
      // Unnumbered headings count on from the previous sibling, so `## 3. Sharing` then `## Rights` gives 3, 4.
      const n = line.n ?? line.path?.[line.path.length - 1] ?? (parent.children.at(-1)?.path.at(-1) ?? 0) + 1;
      const path = line.path ?? [...parent.path, n];
      const node: Node = {
        path, title: line.body, isSentence: SENTENCE_END.test(line.body), index: line.index,
        paragraphs: [], children: [], level: line.level,
      };
      parent.children.push(node);
      stack.push(node);
      continue;
    }
    if (!seenSection) { front.push(stripMarkdown(line.body)); continue; }
    // A paragraph belongs to the nearest heading that is a title, not a sentence.
    while (stack.length > 1 && stack[stack.length - 1]!.isSentence) stack.pop();
    stack[stack.length - 1]!.paragraphs.push({ index: line.index, text: line.body });
  }

  if (front.length > 0) add(-1, '0', docTitle, docTitle, front.join('\n'), labels.intro);
  const walk = (node: Node, sectionTitle: string): void => {
    const id = node.path.join('.');
    const section = node.path.length === 1 ? titleOf(node) : sectionTitle;
    if (node.isSentence) {
      add(node.index, id, shortTitle(node.title), section, node.title, labels.section(node.path));
    } else if (node.children.length === 0 && node.paragraphs.length <= 1) {
      const body = node.paragraphs[0]?.text ?? node.title;
      add(node.paragraphs[0]?.index ?? node.index, id, node.title, section, body, labels.section(node.path));
    } else {
      node.paragraphs.forEach((p, k) => add(p.index, `${id}#${k + 1}`, node.title, section, p.text, labels.paragraph(node.path, k + 1)));
    }
    for (const child of node.children) walk(child, section);
  };
  for (const child of root.children) walk(child, '');
  return finish(locale, docTitle, raw, passages);
}

function titleOf(node: Node): string {
  return node.isSentence ? shortTitle(node.title) : node.title;
}

function finish(locale: string, title: string, raw: string, passages: (Passage & { order: number })[]): PolicyDocument {
  const ordered = passages.sort((a, b) => a.order - b.order).map(({ order: _order, ...p }) => Object.freeze(p));
  const updated = updateDate(raw);
  return Object.freeze({ locale, title, ...(updated ? { updated } : {}), passages: Object.freeze(ordered) });
}

function stripMarkdown(s: string): string {
  return s.replace(/^#{1,6}\s+/, '').replace(/[*_`]/g, '').trim();
}

/** A short title for a sentence: its first clause when short, else its first words. */
export function shortTitle(sentence: string): string {
  const han = /\p{Script=Han}/u.test(sentence);
  const first = (han ? sentence.split(/[。；;]/u)[0] : sentence.split(/(?<=[a-z)])[.;:](?:\s|$)/u)[0])!.trim();
  const max = han ? 30 : 60;
  if (first.length <= max) return first.replace(/[.;:，,。；]$/u, '');
  if (han) return first.slice(0, 20) + '…';
  return first.split(/\s+/).slice(0, 8).join(' ').replace(/[,;:]$/, '') + '…';
}

/** The update date as YYYY-MM-DD: "2022-08-23", "2022Year8Month23Day", "2022年8月23日". */
export function updateDate(raw: string): string | undefined {
  const m = /(\d{4})\s*(?:年|Year|-|\/)\s*(\d{1,2})\s*(?:月|Month|-|\/)\s*(\d{1,2})/u.exec(raw);
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : undefined;
}
