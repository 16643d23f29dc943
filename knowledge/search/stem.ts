/**
 * A light English stemmer: enough to make "collects", "collected", "collecting"
 * and "collection" meet, without Porter's full rule set. Over-stemming is
 * harmless here because queries and passages go through the same function.
 */
const EXCEPTIONS: Record<string, string> = {
  data: 'data', news: 'news', this: 'this', his: 'his', was: 'was', has: 'has', does: 'do', is: 'is',
  us: 'us', gps: 'gps', sms: 'sms', ios: 'ios', address: 'address', access: 'access', process: 'process',
  business: 'business', always: 'always', children: 'child', kids: 'kid', men: 'man', women: 'woman',
  took: 'take', taken: 'take', gave: 'give', given: 'give', sold: 'sell', kept: 'keep', told: 'tell',
  stolen: 'steal', stole: 'steal', known: 'know', knew: 'know', bought: 'buy', sent: 'send', shown: 'show',
};

const SUFFIXES: readonly [string, string][] = [
  ['ational', 'ate'], ['ization', 'ize'], ['fulness', 'ful'], ['iveness', 'ive'], ['ousness', 'ous'],
  ['ications', 'ic'], ['ication', 'ic'], ['ations', 'ate'], ['ation', 'ate'], ['itions', 'it'], ['ition', 'it'],
  ['ments', ''], ['ment', ''], ['ness', ''], ['ities', ''], ['ity', ''],
  ['ings', ''], ['ing', ''], ['ions', ''], ['ion', ''], ['ies', 'y'], ['ied', 'y'],
  ['ers', ''], ['er', ''], ['edly', ''], ['ly', ''], ['ed', ''], ['es', ''], ['s', ''],
];

export function stem(word: string): string {
  const w = word.toLowerCase();
  // Own keys only: a plain object would answer "constructor" with Object itself (a function, not a stem).
  const fixed = Object.hasOwn(EXCEPTIONS, w) ? EXCEPTIONS[w] : undefined;
  if (fixed !== undefined) return fixed;
  if (w.length <= 3 || /\d/.test(w)) return w;
  for (const [suffix, replacement] of SUFFIXES) {
    if (!w.endsWith(suffix)) continue;
    const base = w.slice(0, w.length - suffix.length) + replacement;
    if (base.length < 3) continue;
    // "es" only after sibilants (boxes, pushes), else "s" alone ("cookies" → "cooky" is fine, "types" → "type").
    if (suffix === 'es' && !/(s|x|z|ch|sh)$/.test(base)) return w.slice(0, -1).replace(/e$/, '');
    if (suffix === 's' && /(ss|us|is)$/.test(w)) return w;
    return undoubleAndTrimE(base);
  }
  return w.replace(/e$/, '');
}

// "stopped" → "stopp" → "stop"; "stored"/"store" → "stor": a trailing e is dropped everywhere so both meet.
function undoubleAndTrimE(base: string): string {
  let b = base;
  if (/([bdgmnprt])\1$/.test(b)) b = b.slice(0, -1);
  return b.length > 3 ? b.replace(/e$/, '') : b;
}
