/**
 * i18next set up once with every namespace found under i18n/locales/<locale>/<ns>.json.
 * A flow adds its own namespace file; nothing registers it by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18n, type TFunction, type Resource } from 'i18next';
import { SUPPORTED_LOCALES, DEFAULT_LOCALE, type Locale } from './locale.js';

export type { I18n, TFunction };

// Locale JSON stays next to the source; compiled code in dist/i18n reads it from the source tree.
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const LOCALES_DIR = HERE.split(path.sep).includes('dist')
  ? path.resolve(HERE, '../../i18n/locales')
  : path.resolve(HERE, 'locales');

export function loadResources(dir: string = LOCALES_DIR): Resource {
  const resources: Resource = {};
  for (const locale of SUPPORTED_LOCALES) {
    const folder = path.join(dir, locale);
    resources[locale] = {};
    for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      resources[locale]![path.basename(file, '.json')] = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8'));
    }
  }
  return resources;
}

export function createI18n(resources: Resource = loadResources(), options: { lng?: string } = {}): I18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: options.lng ?? DEFAULT_LOCALE,
    fallbackLng: DEFAULT_LOCALE,
    supportedLngs: [...SUPPORTED_LOCALES, 'cimode'],
    ns: Object.keys(resources[DEFAULT_LOCALE] ?? {}),
    defaultNS: 'common',
    // Replies are plain text or Markdown, not HTML: escaping would show &amp; to users.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
  return instance;
}

/** A translator fixed to one locale (and optionally one namespace). */
export function translator(i18n: I18n, locale: Locale, ns = 'common'): TFunction {
  return i18n.getFixedT(locale, ns);
}

/** A list-valued key (keywords, examples) as a string array. */
export function listOf(i18n: I18n, locale: Locale, key: string): string[] {
  const value = i18n.getFixedT(locale)(key, { returnObjects: true }) as unknown;
  return Array.isArray(value) ? value.map(String) : [];
}
