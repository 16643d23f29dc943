/**
 * Parses a policy into passages with stable ids (rules: knowledge/policy/PASSAGES.md).
 *
 * One pass classifies each line (heading, numbered item, paragraph); a second
 * builds the outline; a third gives each paragraph its id; a last one splits
 * passages that are too long to cite. Three styles are understood:
 *
 * - Chinese (一、 / 1、 / (1)), the Buygogo policy's own style;
 * - Markdown headings (optionally carrying their own numbers: `## 2.1 Sharing`);
 * - text exported from a web page: decimal numbers (`1.` / `1.1` / `1.1.1`),
 *   `(1)` items, ALL-CAPS headings and short Title Case headings, in any mix.
 *   Which kind of heading is the outer one is read from the order they first
 *   appear in. A number only makes a heading when it continues the numbering
 *   (`123 Main Street` in an address, or a list restarting at `1.` inside a
 *   section, stays text).
 *
 * A document with no headings at all becomes one passage per paragraph.
 *
 * NOTHING IS LOST: every non-empty line of the input ends up in exactly one
 * passage, either in its text or as the title it carries (a heading line that
 * owns the paragraphs below it). `parsePolicyTraced` returns that mapping and
 * `coverage` compares the words of the input with the words of the passages;
 * `npm run kb -- inspect FILE` prints both.
 *
 * PASSAGES beyond the PASSAGES.md table:
 * - A numbered line that is a sentence at the top level (`2. We never sell
 *   your data.`) is passage `2`; paragraphs that follow it, having no heading
 *   above to go to, are its own: `2#1`, `2#2`, …
 * - A heading with sub-headings but no paragraph of its own is a passage of
 *   its own (`1`, text = the heading) so that its words are not lost.
 * - A heading line over 80 characters (40 Chinese characters) is not a title:
 *   it is treated like a sentence item, its title derived from its first words.
 * - Consecutive bullet lines (`-`, `*`, `•`) stay with the paragraph they
 *   continue (usually the lead-in ending in `:`), as one passage.
 * - SPLIT PASSAGES: a passage over MAX_WORDS words (a Chinese word counted as
 *   two characters) is cut at sentence boundaries into parts of about equal
 *   size. Part 1 keeps the id X; part k ≥ 2 gets `X##k` (`1.2#3##2`, `0##2`,
 *   `4##3`). `##` appears in no other id, so no part can collide with a
 *   heading paragraph `X#k`; every part lies under X by `isUnder`, and ids keep
 *   to the characters [0-9#.]. Parts keep X's section title; their title and
 *   label are localised by the `labels` option (`continued`, `part`).
 */
import type { Passage, PolicyDocument } from './passage.js';
import { cleanText } from './cleanText.js';

export interface Labels {
  readonly intro: string;
  /** `1` → "Section 1"; `1.2` → "Section 1.2"; `1.2.3` → "Section 1.2(3)". */
  section(path: readonly number[]): string;
  /** "Section 1.2, paragraph 2". */
  paragraph(path: readonly number[], k: number): string;
  /** Label of part k ≥ 2 of a split passage: "Section 1.2, part 2". */
  part(label: string, k: number): string;
  /** Title of part k ≥ 2 of a split passage: "Your rights (cont.)". */
  continued(title: string, k: number): string;
}

const dotted = (path: readonly number[]): string =>
  path.slice(0, 2).join('.') + path.slice(2).map((n) => `(${n})`).join('');

export const EN_LABELS: Labels = Object.freeze({
  intro: 'Introduction',
  section: (path: readonly number[]) => `Section ${dotted(path)}`,
  paragraph: (path: readonly number[], k: number) => `Section ${dotted(path)}, paragraph ${k}`,
  part: (label: string, k: number) => `${label}, part ${k}`,
  continued: (title: string) => `${title} (cont.)`,
});

export const ZH_LABELS: Labels = Object.freeze({
  intro: '引言',
  section: (path: readonly number[]) => `第${dotted(path)}节`,
  paragraph: (path: readonly number[], k: number) => `第${dotted(path)}节第${k}段`,
  part: (label: string, k: number) => `${label}（第${k}部分）`,
  continued: (title: string) => `${title}（续）`,
});

export interface ParseOptions {
  readonly locale?: string;
  readonly labels?: Partial<Labels>;
}

/** Where a passage came from: indexes into `ParseTrace.lines`. */
export interface PassageSource {
  readonly id: string;
  /** Lines whose text is in the passage's text (a line cut by a split is in several parts of one passage). */
  readonly lines: readonly number[];
  /** The heading line the passage's title is (absent when the title is derived from the text, or repeated). */
  readonly titleLine?: number;
  /** For part k ≥ 2 of a split passage: the id of part 1. */
  readonly partOf?: string;
}

export interface ParseTrace {
  readonly document: PolicyDocument;
  /** The cleaned, non-empty lines of the input, as the parser read them. */
  readonly lines: readonly string[];
  /** One per passage, in the document's order. */
  readonly sources: readonly PassageSource[];
}

/** Passages longer than this (in words) are split at sentence boundaries. */
export const MAX_WORDS = 250;
/** Titles longer than this are not titles. */
export const MAX_TITLE = 80;

type Line =
  | { readonly kind: 'numbered'; readonly index: number; readonly level: number; readonly path?: readonly number[]; readonly n?: number; readonly body: string; readonly heading?: boolean }
  | { readonly kind: 'paragraph'; readonly index: number; readonly body: string };

interface Para { readonly lines: number[]; readonly texts: string[] }

interface Node {
  readonly path: readonly number[];
  readonly title: string;
  /** A numbered line that is a whole sentence is a passage in itself and owns no paragraphs (unless it is top-level). */
  readonly isSentence: boolean;
  readonly index: number;
  readonly paragraphs: Para[];
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

const SENTENCE_END = /[.;。；!?！？]$/u;
const HAN = /\p{Script=Han}/u;
const BULLET = /^(?:[-*•·▪◦–]|\d{1,2}[.)])\s+/u;
const PATTERNS = {
  cnSection: /^([一二三四五六七八九十]{1,3})、\s*(.*)$/u,
  cnItem: /^(\d{1,3})、\s*(.*)$/u,
  subItem: /^[(（](\d{1,3})[)）]\s*(.*)$/u,
  markdown: /^(#{1,6})\s+(.*)$/u,
  decimal: /^(\d{1,3}(?:\.\d{1,3})*)(?:\.|\s)\s*(.*)$/u,
  ownNumber: /^(\d{1,3}(?:\.\d{1,3})*)\.?\s+(.*)$/u,
};

/** A heading line too long to be a title is read as a sentence. */
function tooLongForTitle(s: string): boolean {
  return HAN.test(s) ? [...s].length > MAX_TITLE / 2 : s.length > MAX_TITLE;
}

/** ALL-CAPS heading, as web pages export their styled headings: `INFORMATION WE COLLECT`. */
function isCapsHeading(s: string): boolean {
  const letters = s.match(/\p{L}/gu) ?? [];
  return letters.length >= 4 && !/\p{Ll}/u.test(s) && s.length <= MAX_TITLE && s.split(/\s+/).length <= 12 && !/[.;,]$/.test(s);
}

/** Short Title Case heading (`How We Use Your Information`), only when a paragraph follows. */
function isTitleCaseHeading(s: string, next: string | undefined): boolean {
  if (!next || s.length > 60 || /[.;:,!?)]$/.test(s) || /\d{3}/.test(s) || BULLET.test(s) || !/^\p{Lu}/u.test(s)) return false;
  const words = s.split(/\s+/);
  if (words.length > 8) return false;
  const content = words.filter((w) => w.length > 3);
  if (content.some((w) => !/^[\p{Lu}"'(]/u.test(w))) return false;
  const nextIsParagraph = SENTENCE_END.test(next) || next.split(/\s+/).length >= 8 || /:$/.test(next) || BULLET.test(next);
  return nextIsParagraph && !isCapsHeading(next);
}

function classify(lines: readonly string[]): { lines: Line[]; style: 'chinese' | 'markdown' | 'text' } {
  const has = (re: RegExp): boolean => lines.some((l) => re.test(l));
  const style = has(PATTERNS.cnSection) ? 'chinese' : has(PATTERNS.markdown) ? 'markdown' : 'text';
  if (style === 'text') return { lines: classifyText(lines), style };
  const out: Line[] = lines.map((text, index): Line => {
    let m: RegExpExecArray | null;
    if (style === 'chinese') {
      if ((m = PATTERNS.cnSection.exec(text))) return { kind: 'numbered', index, level: 1, n: chineseNumeral(m[1]!), body: m[2]! };
      if ((m = PATTERNS.cnItem.exec(text))) return { kind: 'numbered', index, level: 2, n: Number(m[1]), body: m[2]! };
    }
    if (style === 'markdown' && (m = PATTERNS.markdown.exec(text))) {
      const own = PATTERNS.ownNumber.exec(m[2]!);
      const path = own ? own[1]!.split('.').map(Number) : undefined;
      return { kind: 'numbered', index, level: m[1]!.length, ...(path ? { path } : {}), body: own ? own[2]! : m[2]!, heading: true };
    }
    if ((m = PATTERNS.subItem.exec(text))) return { kind: 'numbered', index, level: 99, n: Number(m[1]), body: m[2]! };
    return { kind: 'paragraph', index, body: text };
  });
  return { lines: out, style };
}

/**
 * Text from a web page: the kinds of heading (decimal depth 1, 2, …, `(n)`,
 * ALL CAPS, Title Case) are ranked by the order they first appear in, the way
 * an outline is read; a number must continue its level's numbering.
 */
function classifyText(lines: readonly string[]): Line[] {
  type Candidate = { type: string; printed?: number; body: string; heading: boolean };
  const candidate = (text: string, index: number): Candidate | undefined => {
    let m: RegExpExecArray | null;
    if ((m = PATTERNS.decimal.exec(text)) && m[2]) {
      const path = m[1]!.split('.').map(Number);
      return { type: `decimal${path.length}`, printed: path.at(-1)!, body: m[2], heading: false };
    }
    if ((m = PATTERNS.subItem.exec(text)) && m[2]) return { type: 'paren', printed: Number(m[1]), body: m[2], heading: false };
    if (index === 0) return undefined;
    if (isCapsHeading(text)) return { type: 'caps', body: text, heading: true };
    if (isTitleCaseHeading(text, lines[index + 1])) return { type: 'title', body: text, heading: true };
    return undefined;
  };
  // Headings before a document's "1." are its title block, when its sections are numbered.
  const firstNumbered = lines.findIndex((l) => /^1\.?\s+\S/.test(l) && !SENTENCE_END.test(l));
  const types: string[] = [];
  const last: number[] = [];
  return lines.map((text, index): Line => {
    const c = candidate(text, index);
    if (!c || (c.printed === undefined && firstNumbered >= 0 && index < firstNumbered)) return { kind: 'paragraph', index, body: text };
    const at = types.lastIndexOf(c.type);
    const level = at >= 0 ? at + 1 : types.length + 1;
    const expected = at >= 0 ? last[at]! + 1 : 1;
    if (c.printed !== undefined && (c.printed < expected || c.printed > expected + 1)) return { kind: 'paragraph', index, body: text };
    types.length = level;
    last.length = level;
    types[level - 1] = c.type;
    last[level - 1] = c.printed ?? expected;
    return { kind: 'numbered', index, level, n: last[level - 1]!, body: c.body, heading: c.heading };
  });
}

/** Markdown: a lone top-level heading on the first line is the document's title, not section 1. */
function markdownTitleLevel(lines: readonly Line[]): number | undefined {
  const headings = lines.filter((l): l is Extract<Line, { kind: 'numbered' }> => l.kind === 'numbered' && l.level < 99);
  const first = headings[0];
  if (!first || first.index !== 0) return undefined;
  const minLevel = Math.min(...headings.map((h) => h.level));
  return headings.filter((h) => h.level === minLevel).length === 1 && first.level === minLevel ? minLevel : undefined;
}

interface Draft {
  readonly order: number;
  readonly id: string;
  readonly title: string;
  readonly sectionTitle: string;
  readonly label: string;
  /** The passage's text, one entry per source line. */
  readonly segments: readonly { readonly line: number; readonly text: string }[];
  readonly titleLine?: number;
}

export function parsePolicy(raw: string, options: ParseOptions = {}): PolicyDocument {
  return parsePolicyTraced(raw, options).document;
}

/** Parses, and says which input line went into which passage. */
export function parsePolicyTraced(raw: string, options: ParseOptions = {}): ParseTrace {
  const locale = options.locale ?? (/\p{Script=Han}{20,}/u.test(raw) ? 'zh-CN' : 'en-US');
  const base = locale.startsWith('zh') ? ZH_LABELS : EN_LABELS;
  const labels: Labels = { ...base, ...options.labels };
  const text = cleanText(raw).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const { lines, style } = classify(text);
  const firstLine = stripMarkdown(text[0] ?? '');
  const docTitle = tooLongForTitle(firstLine) ? shortTitle(firstLine) : firstLine;

  const drafts: Draft[] = [];
  const para = (p: Para) => p.lines.map((line, i) => ({ line, text: p.texts[i]! }));
  const add = (d: Draft): void => { drafts.push(d); };

  const headings = lines.filter((l) => l.kind === 'numbered');
  if (headings.length === 0) {
    // No structure: one passage per paragraph (a bullet list stays with the paragraph it continues).
    const paras: Para[] = [];
    for (const l of lines) attach(paras, l.index, l.body);
    paras.forEach((p, i) => add({
      order: p.lines[0]!, id: String(i + 1), title: shortTitle(p.texts[0]!), sectionTitle: docTitle,
      label: labels.section([i + 1]), segments: para(p),
    }));
    return finish(locale, docTitle, raw, text, drafts, labels);
  }

  const titleLevel = style === 'markdown' ? markdownTitleLevel(lines) : undefined;
  const root: Node = { path: [], title: docTitle, isSentence: false, index: -1, paragraphs: [], children: [], level: 0 };
  const stack: Node[] = [root];
  const taken = new Set<string>();
  let seenSection = false;
  for (const line of lines) {
    if (line.kind === 'numbered' && !(titleLevel !== undefined && line.index === 0 && line.level === titleLevel)) {
      seenSection = true;
      while (stack.length > 1 && stack[stack.length - 1]!.level >= line.level) stack.pop();
      const parent = stack[stack.length - 1]!;
      // Unnumbered headings count on from the previous sibling, so `## 3. Sharing` then `## Rights` gives 3, 4.
      const next = (): number => (parent.children.at(-1)?.path.at(-1) ?? 0) + 1;
      const n = line.n ?? line.path?.at(-1) ?? next();
      let path = line.path ?? [...parent.path, n];
      // A number the document repeats must not repeat an id.
      while (taken.has(path.join('.'))) path = [...parent.path, Math.max(next(), (path.at(-1) ?? 0) + 1)];
      taken.add(path.join('.'));
      const isSentence = !line.heading && (SENTENCE_END.test(line.body) || tooLongForTitle(line.body))
        || (line.heading === true && tooLongForTitle(line.body));
      const node: Node = { path, title: line.body, isSentence, index: line.index, paragraphs: [], children: [], level: line.level };
      parent.children.push(node);
      stack.push(node);
      continue;
    }
    const body = seenSection ? line.body : stripMarkdown(line.body);
    if (!seenSection) { attach(root.paragraphs, line.index, body, true); continue; }
    // A paragraph belongs to the nearest heading that is a title, not a sentence;
    // a sentence at the top level keeps what follows it (there is nothing above to take it).
    while (stack.length > 2 && stack[stack.length - 1]!.isSentence) stack.pop();
    attach(stack[stack.length - 1]!.paragraphs, line.index, body);
  }

  const front = root.paragraphs.flatMap(para);
  if (front.length > 0) add({ order: -1, id: '0', title: docTitle, sectionTitle: docTitle, label: labels.intro, segments: front });
  const walk = (node: Node, sectionTitle: string): void => {
    const id = node.path.join('.');
    const title = node.isSentence ? shortTitle(node.title) : node.title;
    const section = node.path.length === 1 ? title : sectionTitle;
    const own = { line: node.index, text: node.title };
    if (node.isSentence) {
      add({ order: node.index, id, title, sectionTitle: section, label: labels.section(node.path), segments: [own] });
      node.paragraphs.forEach((p, k) => add({
        order: p.lines[0]!, id: `${id}#${k + 1}`, title, sectionTitle: section, label: labels.paragraph(node.path, k + 1), segments: para(p),
      }));
    } else if (node.children.length === 0 && node.paragraphs.length <= 1) {
      const p = node.paragraphs[0];
      add({
        order: p?.lines[0] ?? node.index, id, title, sectionTitle: section, label: labels.section(node.path),
        segments: p ? para(p) : [own], ...(p ? { titleLine: node.index } : {}),
      });
    } else if (node.paragraphs.length === 0) {
      // Only sub-headings below: the heading itself is the passage, so that its words are kept.
      add({ order: node.index, id, title, sectionTitle: section, label: labels.section(node.path), segments: [own] });
    } else {
      node.paragraphs.forEach((p, k) => add({
        order: p.lines[0]!, id: `${id}#${k + 1}`, title, sectionTitle: section, label: labels.paragraph(node.path, k + 1),
        segments: para(p), ...(k === 0 ? { titleLine: node.index } : {}),
      }));
    }
    for (const child of node.children) walk(child, section);
  };
  for (const child of root.children) walk(child, '');
  return finish(locale, docTitle, raw, text, drafts, labels);
}

/**
 * Adds a line to a list of paragraphs. A line continues the paragraph on the line
 * just before it when it is a bullet, when both are short and the new one has no closing punctuation (an address block, a
 * lead-in ending in `:` and its short lines), or when that paragraph is a single
 * short line with no closing punctuation (a run-in heading: `Account data`).
 * Chinese lines are never joined. The front matter is one paragraph.
 */
function attach(paras: Para[], index: number, body: string, join = false): void {
  const last = paras.at(-1);
  const prev = last?.texts.at(-1);
  const short = (s: string): boolean => !HAN.test(s) && !BULLET.test(s) && s.split(/\s+/).length <= 6 && s.length <= 50;
  const continues = prev !== undefined && last!.lines.at(-1) === index - 1 && (
    BULLET.test(body)
    || (short(body) && (!/[.;!?]$/.test(body) || ABBREVIATION.test(body)) && (short(prev) || (/:$/.test(prev) && !HAN.test(prev))))
    || (last!.lines.length === 1 && short(prev) && !/[.;:!?]$/.test(prev) && !HAN.test(body)));
  if (last && (join || continues)) {
    last.lines.push(index);
    last.texts.push(body);
  } else {
    paras.push({ lines: [index], texts: [body] });
  }
}

function finish(locale: string, title: string, raw: string, lines: readonly string[], drafts: Draft[], labels: Labels): ParseTrace {
  const passages: Passage[] = [];
  const sources: PassageSource[] = [];
  for (const d of drafts.sort((a, b) => a.order - b.order)) {
    const parts = splitSegments(d.segments);
    parts.forEach((segments, i) => {
      const k = i + 1;
      const id = k === 1 ? d.id : `${d.id}##${k}`;
      passages.push(Object.freeze({
        id,
        title: k === 1 ? d.title : labels.continued(clip(d.title, MAX_TITLE - 8), k),
        sectionTitle: d.sectionTitle,
        text: joinSegments(segments),
        label: k === 1 ? d.label : labels.part(d.label, k),
      }));
      sources.push(Object.freeze({
        id,
        lines: [...new Set(segments.map((s) => s.line))],
        ...(k === 1 && d.titleLine !== undefined ? { titleLine: d.titleLine } : {}),
        ...(k > 1 ? { partOf: d.id } : {}),
      }));
    });
  }
  const updated = updateDate(raw);
  const document: PolicyDocument = Object.freeze({ locale, title, ...(updated ? { updated } : {}), passages: Object.freeze(passages) });
  return Object.freeze({ document, lines: Object.freeze([...lines]), sources: Object.freeze(sources) });
}

/** A piece of a passage: `text` is the whole line, or a run of its sentences (`start` says whether it begins the line). */
interface Piece { readonly line: number; readonly text: string; readonly start: boolean }

const HAN_STOP = /[。！？；]$/u;

function joinSegments(pieces: readonly Piece[]): string {
  return pieces.map((p, i) => (i === 0 ? '' : p.start ? '\n' : HAN_STOP.test(pieces[i - 1]!.text) ? '' : ' ') + p.text).join('');
}

/** Words for length: Latin words, plus one for every two Chinese characters. */
export function passageWords(text: string): number {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  const latin = text.replace(/\p{Script=Han}/gu, ' ').match(/[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu)?.length ?? 0;
  return latin + Math.ceil(han / 2);
}

const ABBREVIATION = /(?:\b(?:e\.g|i\.e|etc|Inc|Ltd|Co|Corp|Mr|Mrs|Ms|Dr|St|No|vs|U\.S|approx)\.)$/i;

/** A line's sentences; text between them is whitespace only, so joining them back keeps every word. */
export function sentences(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of line.matchAll(/[.!?]["'”)\]]*\s+(?=["'“(\[]?[\p{Lu}\p{N}])|[。！？；]/gu)) {
    if (m[0].startsWith('.') && ABBREVIATION.test(line.slice(0, m.index + 1))) continue;
    const end = m.index + m[0].length;
    const sentence = line.slice(start, end).trim();
    if (sentence) out.push(sentence);
    start = end;
  }
  const rest = line.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** Cuts a run of text that has no sentence boundary into pieces of about MAX_WORDS words. */
function hardSplit(text: string): string[] {
  if (HAN.test(text)) {
    const chars = [...text];
    const size = MAX_WORDS * 2;
    return Array.from({ length: Math.ceil(chars.length / size) }, (_, i) => chars.slice(i * size, (i + 1) * size).join(''));
  }
  const words = text.split(/\s+/);
  const n = Math.ceil(words.length / MAX_WORDS);
  const size = Math.ceil(words.length / n);
  return Array.from({ length: n }, (_, i) => words.slice(i * size, (i + 1) * size).join(' '));
}

/** Splits a passage over MAX_WORDS into parts of about equal size, at line and sentence boundaries. */
function splitSegments(segments: readonly { line: number; text: string }[]): Piece[][] {
  const total = segments.reduce((n, s) => n + passageWords(s.text), 0);
  const whole = segments.map((s) => ({ ...s, start: true }));
  if (total <= MAX_WORDS) return [whole];
  const units: (Piece & { words: number })[] = segments.flatMap((s) =>
    sentences(s.text).flatMap((sentence) => (passageWords(sentence) > MAX_WORDS ? hardSplit(sentence) : [sentence]))
      .map((t, i) => ({ line: s.line, text: t, start: i === 0, words: passageWords(t) })));
  // n parts of about total/n words: a sentence goes to the part its middle falls in;
  // n grows until no part is over MAX_WORDS (each sentence is at most MAX_WORDS).
  let parts: (typeof units)[] = [];
  for (let n = Math.ceil(total / MAX_WORDS); n <= units.length; n++) {
    const target = total / n;
    parts = Array.from({ length: n }, () => []);
    let before = 0;
    for (const u of units) {
      parts[Math.min(n - 1, Math.floor((before + u.words / 2) / target))]!.push(u);
      before += u.words;
    }
    parts = parts.filter((part) => part.length > 0);
    if (parts.every((part) => part.reduce((w, u) => w + u.words, 0) <= MAX_WORDS)) break;
  }
  // Sentences of one line that stay together are joined back into one piece.
  return parts.map((part) => part.reduce<Piece[]>((acc, u) => {
    const prev = acc.at(-1);
    if (prev && prev.line === u.line && !u.start) acc[acc.length - 1] = { ...prev, text: prev.text + (HAN_STOP.test(prev.text) ? '' : ' ') + u.text };
    else acc.push({ line: u.line, text: u.text, start: u.start });
    return acc;
  }, []));
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : shortTitle(s).slice(0, max);
}

function stripMarkdown(s: string): string {
  return s.replace(/^#{1,6}\s+/, '').replace(/\*\*|__|`|(?<![\p{L}\p{N}])[*_]|[*_](?![\p{L}\p{N}])/gu, '').trim();
}

/** A short title for a sentence or paragraph: its first clause when short, else its first words (never over MAX_TITLE). */
export function shortTitle(sentence: string): string {
  const s = sentence.replace(BULLET, '');
  const han = HAN.test(s);
  const first = (han ? s.split(/[。；;：:]/u)[0] : s.split(/(?<=[a-z)])[.;:](?:\s|$)/u)[0])!.trim();
  const max = han ? 30 : 60;
  if (first.length <= max) return first.replace(/[.;:，,。；]$/u, '');
  if (han) return first.slice(0, 20) + '…';
  const words = first.split(/\s+/).slice(0, 8).join(' ').replace(/[,;:]$/, '');
  return (words.length > MAX_TITLE - 1 ? words.slice(0, MAX_TITLE - 1).replace(/\s+\S*$/, '') : words) + '…';
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const DATE_FORMATS: readonly [RegExp, (m: RegExpExecArray) => [string, string, string]][] = [
  // 2022-08-23, 2022/8/23, 2022.8.23, 2022年8月23日, 2022Year8Month23Day
  [/(\d{4})\s*(?:年|Year|-|\/|\.)\s*(\d{1,2})\s*(?:月|Month|-|\/|\.)\s*(\d{1,2})(?!\d)/iu, (m) => [m[1]!, m[2]!, m[3]!]],
  // March 3, 2014; Mar. 3rd 2014
  [new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'i'), (m) => [m[3]!, String(MONTHS[m[1]!.toLowerCase().slice(0, m[1]!.toLowerCase().startsWith('sept') ? 4 : 3)]), m[2]!]],
  // 3 March 2014; 3rd of March, 2014
  [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})\\b`, 'i'), (m) => [m[3]!, String(MONTHS[m[2]!.toLowerCase().slice(0, m[2]!.toLowerCase().startsWith('sept') ? 4 : 3)]), m[1]!]],
  // 03/03/2014 (US order)
  [/\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/, (m) => [m[3]!, m[1]!, m[2]!]],
];

/** The first date in a line, as YYYY-MM-DD. */
export function findDate(line: string): string | undefined {
  let best: { at: number; iso: string } | undefined;
  for (const [re, read] of DATE_FORMATS) {
    const m = re.exec(line);
    if (!m) continue;
    const [y, mo, d] = read(m);
    if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) continue;
    if (!best || m.index < best.at) best = { at: m.index, iso: `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}` };
  }
  return best?.iso;
}

const UPDATE_WORDS = /\b(?:last\s+)?(?:updated?|modified|revised|revision|effective)\b|更新|生效|修订|修改日期|发布日期/iu;

/**
 * The update date as YYYY-MM-DD: "Last updated: March 3, 2014", "Effective date: 2019-05-01",
 * "Updated on 3 March 2014", "更新日期：2022年8月23日", "2022年8月23日更新", "2022Year8Month23Day".
 * A date on (or right after) a line that says updated/effective wins; else the first date near the top.
 */
export function updateDate(raw: string): string | undefined {
  const lines = raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  for (let i = 0; i < lines.length; i++) {
    if (!UPDATE_WORDS.test(lines[i]!) || lines[i]!.length > 200) continue;
    const date = findDate(lines[i]!) ?? (lines[i]!.length < 40 && lines[i + 1] ? findDate(lines[i + 1]!) : undefined);
    if (date) return date;
  }
  for (const line of lines.slice(0, 10)) {
    const date = findDate(line);
    if (date) return date;
  }
  return undefined;
}

/** Words as the coverage check counts them: lower-cased letter/digit runs, each Chinese character one word. */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu) ?? []);
}

/** A line's numbering or Markdown prefix, which becomes an id rather than text. */
export const LINE_MARKER = /^(?:#{1,6}\s+)?(?:\d{1,3}(?:\.\d{1,3})+\.?\s*|\d{1,3}[.、]\s*|[一二三四五六七八九十]{1,3}、\s*|[(（]\d{1,3}[)）]\s*)/u;

function lineWords(line: string): string[] {
  return words(line.replace(LINE_MARKER, ''));
}

export interface Coverage {
  /** Words of the input (numbering prefixes left out: they are the ids). */
  readonly input: number;
  /** Words of the passages' texts, plus their titles that are heading lines. */
  readonly passages: number;
  /** Words of the input found in no passage, with how many times each is missing. */
  readonly lost: ReadonlyMap<string, number>;
  /** Words in passages beyond the input's (a duplicated line). */
  readonly extra: ReadonlyMap<string, number>;
  /** Indexes of input lines that are in no passage, or in passages of more than one split group. */
  readonly linesLost: readonly number[];
  readonly linesRepeated: readonly number[];
}

/** Compares the words of the input with the words of the passages. */
export function coverage(trace: ParseTrace): Coverage {
  const count = (bag: Map<string, number>, ws: string[], sign: number): void => {
    for (const w of ws) bag.set(w, (bag.get(w) ?? 0) + sign);
  };
  const bag = new Map<string, number>();
  let input = 0;
  let out = 0;
  for (const line of trace.lines) { const ws = lineWords(line); input += ws.length; count(bag, ws, 1); }
  const byId = new Map(trace.document.passages.map((p) => [p.id, p]));
  const owners = new Map<number, Set<string>>();
  for (const s of trace.sources) {
    const p = byId.get(s.id)!;
    const ws = [...p.text.split('\n').flatMap(lineWords), ...(s.titleLine !== undefined ? lineWords(p.title) : [])];
    out += ws.length;
    count(bag, ws, -1);
    for (const l of [...s.lines, ...(s.titleLine !== undefined ? [s.titleLine] : [])]) {
      const set = owners.get(l) ?? new Set<string>();
      set.add(s.partOf ?? s.id);
      owners.set(l, set);
    }
  }
  const lost = new Map([...bag].filter(([, n]) => n > 0));
  const extra = new Map([...bag].filter(([, n]) => n < 0).map(([w, n]) => [w, -n]));
  const linesLost = trace.lines.map((_, i) => i).filter((i) => !owners.has(i));
  const linesRepeated = [...owners].filter(([, s]) => s.size > 1).map(([i]) => i);
  return { input, passages: out, lost, extra, linesLost, linesRepeated };
}

/**
 * What `kb inspect` prints about a parse: words in and out, loudly any that are
 * lost, the longest passage, and titles over MAX_TITLE. `ok` is false when words
 * or lines are lost or repeated.
 */
export function inspectReport(trace: ParseTrace): { readonly ok: boolean; readonly lines: readonly string[] } {
  const c = coverage(trace);
  const out: string[] = [`Words: ${c.input} in input, ${c.passages} in passages (${trace.lines.length} lines, ${trace.document.passages.length} passages)`];
  const ok = c.lost.size === 0 && c.extra.size === 0 && c.linesLost.length === 0 && c.linesRepeated.length === 0;
  const sample = (bag: ReadonlyMap<string, number>): string =>
    [...bag].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([w, n]) => (n > 1 ? `${w}×${n}` : w)).join(', ');
  if (c.lost.size > 0) {
    const n = [...c.lost.values()].reduce((a, b) => a + b, 0);
    out.push(`!!! WARNING: ${n} WORDS OF THE INPUT ARE IN NO PASSAGE (${((100 * n) / Math.max(1, c.input)).toFixed(1)}%): ${sample(c.lost)}`);
  }
  if (c.extra.size > 0) out.push(`!!! WARNING: words repeated in passages beyond the input: ${sample(c.extra)}`);
  for (const i of c.linesLost) out.push(`!!! WARNING: line ${i + 1} is in no passage: ${clip(trace.lines[i]!, 100)}`);
  for (const i of c.linesRepeated) out.push(`!!! WARNING: line ${i + 1} is in more than one passage: ${clip(trace.lines[i]!, 100)}`);
  const longest = [...trace.document.passages].sort((a, b) => passageWords(b.text) - passageWords(a.text))[0];
  if (longest) out.push(`Longest passage: ${longest.id} (${passageWords(longest.text)} words; split above ${MAX_WORDS})`);
  const long = trace.document.passages.filter((p) => p.title.length > MAX_TITLE);
  out.push(long.length === 0 ? `Titles: none over ${MAX_TITLE} characters`
    : `!!! WARNING: ${long.length} titles over ${MAX_TITLE} characters: ${long.map((p) => `${p.id} (${p.title.length})`).join(', ')}`);
  return { ok: ok && long.length === 0, lines: out };
}
