/** The two languages the assistant speaks, and how a message picks one (CONTRACT.md § Language). */
export const SUPPORTED_LOCALES = ['en-US', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en-US';

const HAN = /\p{Script=Han}/u;

/** `zh`, `zh-CN`, `zh-Hans…` → zh-CN; any other locale → en-US; no locale: Han characters in the text → zh-CN. */
export function resolveLocale(activityLocale: string | undefined | null, text = ''): Locale {
  const tag = (activityLocale ?? '').trim().toLowerCase();
  if (tag !== '') return tag === 'zh' || tag.startsWith('zh-') || tag.startsWith('zh_') ? 'zh-CN' : 'en-US';
  return HAN.test(text) ? 'zh-CN' : DEFAULT_LOCALE;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}
