/**
 * Speech output: every message carries SSML written for the ear. Markdown,
 * links and URLs are for the eye and are removed; citations are read as words
 * ("section one point two, item three"); long text is cut to a few sentences.
 */
import type { Locale } from '../i18n/locale.js';
import { escapeMarkup } from '../web/escape.js';

const EN_NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'];
const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

export function numberWord(n: number, locale: Locale): string {
  if (locale === 'zh-CN') {
    if (n <= 10) return ZH_DIGITS[n]!;
    if (n < 20) return '十' + ZH_DIGITS[n - 10]!;
    return String(n);
  }
  return EN_NUMBERS[n] ?? String(n);
}

/** `1.2.3` → "section one point two, item three"; `1.2#2` → "section one point two, paragraph two"; `0` → "the introduction". */
export function spokenPassageLabel(id: string, locale: Locale): string {
  const zh = locale === 'zh-CN';
  if (id === '0') return zh ? '引言部分' : 'the introduction';
  const [path, para] = id.split('#');
  const parts = path!.split('.').map(Number);
  const section = parts.slice(0, 2).map((n) => numberWord(n, locale)).join(zh ? '点' : ' point ');
  const item = parts[2];
  if (zh) {
    return `第${section}节` + (item !== undefined ? `第${numberWord(item, locale)}项` : '') + (para ? `第${numberWord(Number(para), locale)}段` : '');
  }
  return `section ${section}` + (item !== undefined ? `, item ${numberWord(item, locale)}` : '') + (para ? `, paragraph ${numberWord(Number(para), locale)}` : '');
}

/** Plain text for speech: no Markdown, links, URLs, emoji or table rules. */
export function toSpeakableText(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // [label](url) → label
    .replace(/https?:\/\/\S+|www\.\S+/g, '')
    .replace(/\/[a-z]+(?:[#?][\w.#=-]*)?(?=[\s)]|$)/gi, (m) => (m.startsWith('/policy') || m.startsWith('/api') ? '' : m))
    .replace(/[*_`>#|~]+/g, '')
    .replace(/^\s*[-•]\s+/gm, '')
    .replace(/\p{Extended_Pictographic}/gu, '')
    .replace(/\s*\n+\s*/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** At most `max` sentences, so a caller is not read a whole paragraph. */
export function firstSentences(text: string, max = 3): string {
  const sentences = text.match(/[^.!?。！？]+[.!?。！？]*/g) ?? [text];
  return sentences.slice(0, max).join('').trim();
}

export { escapeMarkup as escapeXml } from '../web/escape.js';

/** Wraps speakable text in a well-formed SSML document in the reply's language. */
export function ssml(text: string, locale: Locale, { maxSentences = 3 } = {}): string {
  // "Personal Center → Settings" is read "Personal Center, then Settings": a speech engine reads the arrow as a word, or not at all.
  const stepped = text.replace(/\s*→\s*/g, locale === 'zh-CN' ? '，然后' : ', then ');
  const body = escapeMarkup(firstSentences(toSpeakableText(stepped), maxSentences));
  return `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${locale}">${body}</speak>`;
}

/** A ticket reference read character by character: "LK-7Q4M2P" → "L K, dash, 7 Q 4 M 2 P". */
export function spellReference(reference: string, locale: Locale): string {
  const dash = locale === 'zh-CN' ? '杠' : 'dash';
  return reference.split('-').map((part) => part.split('').join(' ')).join(`, ${dash}, `);
}

/** Voice channels: speech in, speech out; choices are read, not shown. */
export const VOICE_CHANNELS: readonly string[] = ['directlinespeech', 'telephony', 'voicetest'];
export const isVoiceChannel = (channelId: string | undefined): boolean => VOICE_CHANNELS.includes(channelId ?? '');
