/** Choices of a flow question from its locale file: labels in the user's language, words from every language. */
import type { I18n } from '../../i18n/i18n.js';
import { SUPPORTED_LOCALES, type Locale } from '../../i18n/locale.js';
import type { Choice } from './recognize.js';

export interface ChoiceSet {
  readonly choices: readonly Choice[];
  readonly labels: Readonly<Record<string, string>>;
}

/** `key` names an object with `options` (value → label) and optional `words` (value → synonyms). */
export function choiceSet(i18n: I18n, locale: Locale, ns: string, key: string, values: readonly string[]): ChoiceSet {
  const read = (l: Locale, sub: string): Record<string, unknown> =>
    (i18n.getFixedT(l, ns)(`${key}.${sub}`, { returnObjects: true }) as Record<string, unknown> | string) as Record<string, unknown>;
  const labels = read(locale, 'options') as Record<string, string>;
  const choices = values.map((value): Choice => ({
    value,
    words: [
      labels[value] ?? value,
      ...SUPPORTED_LOCALES.flatMap((l) => {
        const options = read(l, 'options');
        const words = read(l, 'words');
        const list = typeof words === 'object' && words !== null ? (words[value] as unknown) : undefined;
        return [String(options?.[value] ?? ''), ...(Array.isArray(list) ? list.map(String) : [])];
      }),
    ].filter(Boolean),
  }));
  return { choices, labels: Object.fromEntries(values.map((v) => [v, labels[v] ?? v])) };
}
