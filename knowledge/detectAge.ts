/**
 * Finds an age the user states for themselves or a child ("I'm 15", "my 14 year
 * old son", "我今年15岁", "孩子12岁"), so an under-18 user goes to the consent
 * flow whatever else the message matches. Years, amounts and counts of days
 * are not ages: the number must sit next to an age word.
 */
const CN_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

function chineseNumber(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  if (s === '十') return 10;
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/.exec(s);
  if (m) return (m[1] ? CN_DIGITS[m[1]]! : 1) * 10 + (m[2] ? CN_DIGITS[m[2]]! : 0);
  return s.length === 1 ? CN_DIGITS[s] : undefined;
}

const EN_WORDS: Record<string, number> = {
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nine: 9, eight: 8, seven: 7,
};
const EN_NUM = `(\\d{1,2}|${Object.keys(EN_WORDS).join('|')})`;
const EN_PATTERNS = [
  new RegExp(`\\b${EN_NUM}[- ]?(?:years?|yrs?)[- ]?old\\b`, 'i'),
  new RegExp(`\\b(?:i'?m|i am|im|aged?|turning|just turned|she'?s|he'?s|is)\\s+(?:only\\s+)?${EN_NUM}\\b(?!\\s*(?:days?|weeks?|months?|hours?|minutes?|times?|orders?|items?|yuan|rmb|dollars?|%))`, 'i'),
  new RegExp(`\\bage\\s+(?:of\\s+)?${EN_NUM}\\b`, 'i'),
];
const ZH_PATTERN = /(\d{1,2}|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*(?:周岁|岁)/;

export function detectStatedAge(text: string): number | undefined {
  const zh = ZH_PATTERN.exec(text);
  if (zh) return chineseNumber(zh[1]!);
  for (const re of EN_PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    const raw = m[1]!.toLowerCase();
    const n = /^\d+$/.test(raw) ? Number(raw) : EN_WORDS[raw];
    if (n !== undefined && n >= 3 && n <= 120) return n;
  }
  return undefined;
}
