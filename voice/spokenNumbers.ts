/**
 * Digits from what a caller says or a speech recogniser writes: "one three
 * eight", "double five", "幺三八", "一三八 零零", mixed with typed digits.
 * Everything that is not part of a number is ignored, so a sentence around
 * the number ("my number is …") does no harm.
 */
const EN_DIGITS: Record<string, string> = {
  zero: '0', oh: '0', o: '0', one: '1', two: '2', to: '2', too: '2', three: '3', four: '4', for: '4', five: '5',
  six: '6', seven: '7', eight: '8', nine: '9',
};
const ZH_DIGITS: Record<string, string> = {
  零: '0', 〇: '0', 洞: '0', 一: '1', 幺: '1', 妖: '1', 二: '2', 两: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9',
};
const REPEAT: Record<string, number> = { double: 2, triple: 3 };

/** The digits spoken or typed in `text`, in order; `+` kept when it leads. */
export function digitsFromSpeech(text: string): string {
  const normalized = text.normalize('NFKC').toLowerCase();
  const plus = /^\s*(\+|plus\b|加)/.test(normalized) ? '+' : '';
  let out = '';
  let repeat = 1;
  // Chinese digits are single characters; split them apart so "一三八" reads as three digits.
  const tokens = normalized.replace(/[零〇洞一幺妖二两三四五六七八九]/gu, (c) => ` ${c} `).split(/[^a-z0-9\u4e00-\u9fff〇]+/u);
  for (const token of tokens) {
    if (token === '') continue;
    if (REPEAT[token]) { repeat = REPEAT[token]!; continue; }
    const digit = /^\d+$/.test(token) ? token : EN_DIGITS[token] ?? ZH_DIGITS[token];
    if (digit === undefined) { repeat = 1; continue; }
    out += repeat > 1 && digit.length === 1 ? digit.repeat(repeat) : digit;
    repeat = 1;
  }
  return plus + out;
}

/** Small numbers said as words, for choices ("one", "the second one", "第二个"). */
export const EN_ORDINALS: Record<string, number> = {
  one: 1, first: 1, two: 2, second: 2, three: 3, third: 3, four: 4, fourth: 4, five: 5, fifth: 5,
  six: 6, sixth: 6, seven: 7, seventh: 7, eight: 8, eighth: 8, nine: 9, ninth: 9, last: -1,
};
export const ZH_ORDINALS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 最后: -1 };
