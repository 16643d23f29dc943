/**
 * Repairs the artefacts the policy text picked up on its way from a web page
 * and a translation tool. Each rule is small and named for the damage it
 * undoes; rules that add spaces only touch Latin text, because Chinese is
 * written without spaces between words.
 */
type Rule = readonly [name: string, apply: (line: string) => string];

const HAN = /\p{Script=Han}/u;
/** The numbering prefix of a policy line (一、 1、 (1)), kept out of the Latin rules: its 、 is structure, not punctuation. */
const NUMBERING = /^\s*(?:[一二三四五六七八九十]+、|\d+、|[(（]\d+[)）])/u;

const LATIN_RULES: readonly Rule[] = [
  // "2022Year8Month23Day": a Chinese date (2022年8月23日) translated word by word.
  ['dates', (l) => l.replace(/(\d{4})\s*Year\s*(\d{1,2})\s*Month\s*(\d{1,2})\s*Day/g, (_m, y: string, mo: string, d: string) =>
    `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`)],
  // Curly quotes glued to words ("“us”or“Buygogo”"): space them before they become straight quotes.
  ['quote spacing', (l) => l.replace(/”(?=[\p{L}\p{N}])/gu, '” ').replace(/(?<=[\p{L}\p{N}])“/gu, ' “')],
  ['curly quotes', (l) => l.replace(/[“”]/g, '"').replace(/[‘’]/g, "'")],
  // Chinese punctuation left inside English sentences.
  ['full-width punctuation', (l) => l.replace(/、/g, ', ').replace(/：/g, ': ').replace(/；/g, '; ').replace(/，/g, ', ')
    .replace(/（/g, ' (').replace(/）/g, ') ')],
  // "&quo; Personal Center; &quo;" was a pair of quotes around a menu name.
  ['quoted menu names', (l) => l.replace(/"\s*([^";]+?)\s*;\s*"/g, '"$1" ')],
  // A removed phone number left "( )"; when a sentence followed, it also ate the full stop.
  ['empty parentheses', (l) => l.replace(/\s*\(\s*\)\s*(?=\p{Lu})/gu, '. ').replace(/\s*\(\s*\)/g, '')],
  // "service.If", "Ltd.(Hereinafter", "(Xiamen)Science", "information(Such as": missing spaces.
  ['space after sentence end', (l) => l.replace(/([\p{Ll}\p{N})'"])([.;:!?])(?=[\p{Lu}"(])/gu, '$1$2 ')],
  ['space around parentheses', (l) => l.replace(/([\p{L}.,])\(/gu, '$1 (').replace(/\)(?=[\p{L}\p{N}])/gu, ') ')],
  ['space after colon', (l) => l.replace(/(\p{L}):(?=[\p{L}\p{N}])/gu, '$1: ')],
  ['space after comma', (l) => l.replace(/,(?=[\p{L}])/gu, ', ')],
  ['space before quote', (l) => l.replace(/(\p{L})"(?=\p{Lu})/gu, '$1 "')],
];

const ALL_RULES: readonly Rule[] = [
  ['html entities', (l) => l.replace(/&quo(?:t)?;/g, '"').replace(/&amp;/g, '&').replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;|&apos;/g, "'")],
  ['collapse spaces', (l) => l.replace(/[ \t\u00a0\u3000]+/g, ' ').replace(/\s+([,.;:!?)])/g, '$1').trim()],
];

export function cleanLine(line: string): string {
  const decoded = ALL_RULES[0]![1](line);
  const prefix = NUMBERING.exec(decoded)?.[0] ?? '';
  let body = decoded.slice(prefix.length);
  if (!HAN.test(body)) for (const [, apply] of LATIN_RULES) body = apply(body);
  return ALL_RULES[1]![1](prefix.trim() + body);
}

/**
 * "BuygogoPrivacy Policy": two words run together at a case change. Only in the
 * document's title line, so that names written in camel case (TrailMate Labs,
 * DoubleClick) stay whole everywhere else.
 */
export function separateTitleWords(title: string): string {
  return HAN.test(title) ? title : title.replace(/(\p{Ll}{3,})(\p{Lu}\p{Ll}{2,})/gu, '$1 $2');
}

/** Cleans a whole document line by line; line breaks are kept (the parser reads structure from them). */
export function cleanText(raw: string): string {
  const lines = raw.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n').map(cleanLine);
  const first = lines.findIndex((l) => l !== '');
  if (first >= 0) lines[first] = separateTitleWords(lines[first]!);
  return lines.join('\n');
}
