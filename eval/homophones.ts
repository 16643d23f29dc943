/**
 * One homophone typo, the way a pinyin input method makes them: a character
 * of the message is swapped for another common character with the same
 * toneless syllable (信息 → 信习, 位置 → 味置). Deterministic: which character
 * and which homophone follow from a hash of the text. Used by cross-validation
 * to measure how understanding holds up on them.
 */
import crypto from 'node:crypto';
import { pinyin } from 'pinyin-pro';

const HAN = /\p{Script=Han}/u;
const soundOf = (ch: string): string => pinyin(ch, { toneType: 'none' });
const hash = (s: string): number => crypto.createHash('sha1').update(s).digest().readUInt32BE(0);

/** `commonText`: where the homophones come from (the policy and the training data: characters people use). */
export function homophoneTypist(commonText: string): (text: string) => string | undefined {
  const bySound = new Map<string, string[]>();
  for (const ch of new Set(commonText)) {
    if (!HAN.test(ch)) continue;
    const list = bySound.get(soundOf(ch)) ?? [];
    list.push(ch);
    bySound.set(soundOf(ch), list);
  }
  for (const list of bySound.values()) list.sort();
  return (text) => {
    const chars = [...text];
    const han = chars.flatMap((c, i) => (HAN.test(c) ? [i] : []));
    for (let k = 0; k < han.length; k++) {
      const i = han[(hash(text) + k) % han.length]!;
      const alternatives = (bySound.get(soundOf(chars[i]!)) ?? []).filter((c) => c !== chars[i]);
      if (alternatives.length === 0) continue;
      chars[i] = alternatives[hash(`${text}\u0000${k}`) % alternatives.length]!;
      return chars.join('');
    }
    return undefined;
  };
}
