/**
 * Finds an age the user states for themselves or a child ("I'm 15", "my 14 year
 * old son", "我今年15岁", "孩子12岁"), so an under-18 user goes to the consent
 * flow whatever else the message matches. Years, amounts and counts of days
 * are not ages: the number must sit next to an age word.
 *
 * A school year is a stated age too ("I'm in year 9", "my son is in 7th grade",
 * "我上初二", "孩子读小学五年级"): it gives the youngest usual age for that year,
 * so a pupil is never taken for an adult. Only years every pupil of which is
 * under 18 count (UK year 7-12, US grade 1-11, 小学 to 高二); the last school
 * year and university are left to the person to say.
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

// Who is in the school year: the speaker or a child of theirs ("I'm in", "my daughter is in", "he's in").
const EN_PUPIL = String.raw`(?:i'?m|i am|im|i'?m now|he'?s|she'?s|(?:son|daughter|kid|child)\s+is|is)\s+(?:now\s+|currently\s+|only\s+|still\s+)?(?:in\s+)?(?:the\s+)?`;
const EN_SCHOOL = [
  // UK/AU "year 9" (age 13-14): youngest age = year + 4.
  { re: new RegExp(String.raw`\b${EN_PUPIL}(?:year|yr)\s*(\d{1,2})\b`, 'i'), age: (n: number) => (n >= 1 && n <= 12 ? n + 4 : undefined) },
  // US "grade 8", "8th grade" (age 13-14): youngest age = grade + 5.
  { re: new RegExp(String.raw`\b${EN_PUPIL}grade\s*(\d{1,2})\b`, 'i'), age: (n: number) => (n >= 1 && n <= 11 ? n + 5 : undefined) },
  { re: new RegExp(String.raw`\b${EN_PUPIL}(\d{1,2})(?:st|nd|rd|th)\s+grade\b`, 'i'), age: (n: number) => (n >= 1 && n <= 11 ? n + 5 : undefined) },
  { re: new RegExp(String.raw`\b${EN_PUPIL}(?:a\s+)?(?:middle|junior high|primary|elementary)\s+school\b`, 'i'), age: () => 11 },
];
// A message that is only a school year ("year 9", "grade 8"), as a reply or a fragment.
const EN_SCHOOL_ALONE = /^\s*(?:year|yr|grade)\s*(\d{1,2})\s*[.!?]?\s*$/i;
// 上/读/念/在读 + a school year, or a pupil noun: "我上初二", "孩子读小学五年级", "我是初中生".
const ZH_SCHOOL = /(?:上|读|念|是|在读)\s*(小学|初[一二三]|初中|高[一二]|[一二三四五六]年级)|(小学生|初中生)/;
const ZH_SCHOOL_AGE: Record<string, number> = { 小学: 6, 初中: 12, 初一: 12, 初二: 13, 初三: 14, 高一: 15, 高二: 16, 小学生: 6, 初中生: 12 };

function schoolAge(text: string): number | undefined {
  const zh = ZH_SCHOOL.exec(text);
  if (zh) {
    const year = (zh[1] ?? zh[2])!;
    return ZH_SCHOOL_AGE[year] ?? (/^[一二三四五六]年级$/.test(year) ? chineseNumber(year[0]!)! + 5 : undefined);
  }
  const alone = EN_SCHOOL_ALONE.exec(text);
  if (alone) {
    const n = Number(alone[1]);
    return n >= 1 && n <= 11 ? n + 4 : undefined;
  }
  for (const { re, age } of EN_SCHOOL) {
    const m = re.exec(text);
    if (m) return age(m[1] ? Number(m[1]) : 0);
  }
  return undefined;
}

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
  return schoolAge(text);
}
