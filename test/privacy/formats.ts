/**
 * Personal data as people really type or say it, in English and Chinese: the
 * table every privacy test runs over. `secret` is the part that must never be
 * stored or shown whole (the digits, or the e-mail's local part).
 */
import type { PersonalDataKind } from '../../privacy/mask.js';

export interface Format {
  readonly name: string;
  readonly text: string;
  readonly kind: PersonalDataKind;
  /** Substrings that must not survive masking. */
  readonly secrets: readonly string[];
}

export const FORMATS: readonly Format[] = [
  // Mobile numbers
  { name: 'mobile, plain', text: 'call me on 13812345678', kind: 'phone', secrets: ['13812345678', '1381234'] },
  { name: 'mobile, +86', text: 'my number is +8613812345678', kind: 'phone', secrets: ['13812345678', '8613812'] },
  { name: 'mobile, +86 spaced', text: 'call +86 138 1234 5678 please', kind: 'phone', secrets: ['138 1234', '1381234'] },
  { name: 'mobile, spaced', text: '手机 138 1234 5678', kind: 'phone', secrets: ['138 1234'] },
  { name: 'mobile, dashed', text: 'phone: 138-1234-5678', kind: 'phone', secrets: ['138-1234'] },
  { name: 'mobile, dotted', text: 'reach me at 138.1234.5678', kind: 'phone', secrets: ['138.1234'] },
  { name: 'mobile, full-width digits', text: '我的手机是１３８１２３４５６７８', kind: 'phone', secrets: ['１３８１２３４'] },
  { name: 'mobile, Chinese numerals', text: '电话一三八一二三四五六七八', kind: 'phone', secrets: ['一三八一二三四'] },
  { name: 'mobile, Chinese numerals with 幺 and spaces', text: '打幺三八 幺二三四 五六七八', kind: 'phone', secrets: ['幺三八 幺二三四'] },
  { name: 'mobile, spoken English digits', text: 'my number is one three eight one two three four five six seven eight', kind: 'phone', secrets: ['one three eight one two three four'] },
  { name: 'mobile, spoken with double', text: 'it is one three eight double one two three four five six seven', kind: 'phone', secrets: ['one three eight double one'] },
  { name: 'mobile, 0086 prefix', text: '0086 138 1234 5678', kind: 'phone', secrets: ['138 1234'] },
  // Landlines
  { name: 'landline, Beijing dashed', text: 'office 010-12345678', kind: 'phone', secrets: ['12345678'] },
  { name: 'landline, bracketed area code', text: '座机 (021) 6123 4567', kind: 'phone', secrets: ['6123', '021) 6123'] },
  { name: 'landline, Xiamen', text: 'call 0592-1234567 after 6', kind: 'phone', secrets: ['0592-123', '1234567'] },
  { name: 'landline, full-width', text: '座机０１０－１２３４５６７８', kind: 'phone', secrets: ['１２３４５６７８'] },
  // E-mail addresses
  { name: 'email, plain', text: 'mail li.wei@example.com', kind: 'email', secrets: ['li.wei'] },
  { name: 'email, spoken', text: 'write to john dot smith at gmail dot com', kind: 'email', secrets: ['john dot smith', 'smith'] },
  { name: 'email, full-width @', text: '邮箱 zhangsan＠qq.com', kind: 'email', secrets: ['zhangsan'] },
  { name: 'email, all full-width', text: '邮箱ｗａｎｇｗｕ＠１６３．ｃｏｍ', kind: 'email', secrets: ['ｗａｎｇｗｕ'] },
  { name: 'email, spaces around @', text: 'email john @ gmail.com thanks', kind: 'email', secrets: ['john'] },
  { name: 'email, 艾特', text: '我的邮箱是lisi艾特163点com', kind: 'email', secrets: ['lisi'] },
  { name: 'email, (at)', text: 'contact: mary(at)example.org', kind: 'email', secrets: ['mary'] },
  // ID card numbers
  { name: 'ID, 18 digits with X', text: 'my ID is 11010519491231002X', kind: 'idCard', secrets: ['11010519491231002', '19491231'] },
  { name: 'ID, 18 digits', text: '身份证号110105194912310021', kind: 'idCard', secrets: ['110105194912310021', '19491231'] },
  { name: 'ID, 15 digits', text: 'old ID 110105491231002', kind: 'idCard', secrets: ['110105491231002', '491231'] },
  { name: 'ID, spaced', text: 'ID 110105 19491231 002X', kind: 'idCard', secrets: ['110105', '19491231'] },
  { name: 'ID, dashed', text: '身份证 110105-1949-1231-0021', kind: 'idCard', secrets: ['110105', '1949-1231'] },
  { name: 'ID, full-width', text: '身份证１１０１０５１９４９１２３１００２Ｘ', kind: 'idCard', secrets: ['１１０１０５', '１９４９'] },
  // Bank cards
  { name: 'card, 4-4-4-4-3', text: 'card 6222 0212 3456 7890 123', kind: 'bankCard', secrets: ['6222 0212', '3456'] },
  { name: 'card, 16 plain', text: 'card number 6222021234567890', kind: 'bankCard', secrets: ['622202123456', '6222'] },
  { name: 'card, odd groupings', text: '卡号 62220 2123 456 78901 23', kind: 'bankCard', secrets: ['62220 2123', '456 78901'] },
  { name: 'card, dashed 6-13', text: 'card 622202-1234567890123', kind: 'bankCard', secrets: ['622202', '1234567890123'] },
  { name: 'card, full-width', text: '银行卡６２２２０２１２３４５６７８９０１２３', kind: 'bankCard', secrets: ['６２２２０２１２'] },
  { name: 'card, spoken English', text: 'card six two two two zero two one two three four five six seven eight nine zero', kind: 'bankCard', secrets: ['six two two two zero two'] },
  { name: 'card, Chinese numerals', text: '卡号六二二二零二一二三四五六七八九零', kind: 'bankCard', secrets: ['六二二二零二一二'] },
];

/** Ordinary numbers that are not personal data and must stay as typed. */
export const ORDINARY: readonly string[] = [
  'I am 15 years old',
  '我今年十五岁',
  'see section 1.2 of the policy',
  'the policy was updated on 2022-08-23',
  '政策更新于2022年8月23日',
  'my order was 99.5 yuan',
  'I ordered 3 items on 2022-08-23 for 199 yuan',
  'between 2022-08-23 and 2022-09-01',
  '订单金额 1,299.00 元',
  'it happened at 10:30 yesterday',
  'section 3.1 and 5',
  'I want to report it for my son, he is one of two kids',
  '一五一十地告诉我',
  'version 4.23.3',
];
