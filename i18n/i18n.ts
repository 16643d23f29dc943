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

/**
 * Translators resolved once per i18n instance, locale and namespace (a reply used to build a fresh one with
 * getFixedT). A key asked for without options (labels, buttons, fixed lines) is looked up once and remembered;
 * calls with options (interpolation, returnObjects) go to i18next every time. Resources added or removed later
 * (tests do) empty the cache.
 */
const translators = new WeakMap<I18n, Map<string, TFunction>>();
/** Keys come from code, not from users; the bound only guards against a caller that passes arbitrary text. */
const MAX_PLAIN_KEYS = 5000;

function translatorsOf(i18n: I18n): Map<string, TFunction> {
  let byLocale = translators.get(i18n);
  if (!byLocale) {
    const created = new Map<string, TFunction>();
    byLocale = created;
    translators.set(i18n, created);
    const drop = (): void => created.clear();
    i18n.store?.on('added', drop);
    i18n.store?.on('removed', drop);
  }
  return byLocale;
}

/** A translator fixed to one locale (and optionally one namespace), made once and reused. */
export function translator(i18n: I18n, locale: Locale, ns = 'common'): TFunction {
  const byLocale = translatorsOf(i18n);
  const id = `${locale}\u0000${ns}`;
  let t = byLocale.get(id);
  if (!t) {
    const fixed = i18n.getFixedT(locale, ns);
    const call = fixed as unknown as (...args: unknown[]) => unknown;
    const translate = i18n.t.bind(i18n) as unknown as (key: string, options: object) => unknown;
    const plain = new Map<string, unknown>();
    const cached = (...args: unknown[]): unknown => {
      const [key, options] = args;
      if (typeof key !== 'string' || args.length > 2) return call(...args);
      if (args.length === 2) {
        // What the fixed translator does for a string key and an options object, without copying every
        // i18next option into a selector object on each call.
        if (typeof options !== 'object' || options === null || 'keyPrefix' in options) return call(...args);
        const o = options as { lng?: string; ns?: string | readonly string[] };
        return translate(key, { ...o, lng: o.lng || locale, ns: o.ns || ns });
      }
      if (plain.has(key)) return plain.get(key);
      const value = call(key);
      if (plain.size < MAX_PLAIN_KEYS) plain.set(key, value);
      return value;
    };
    const props = fixed as unknown as Record<string, unknown>;
    t = Object.assign(cached, { lng: props.lng, ns: props.ns, keyPrefix: props.keyPrefix }) as unknown as TFunction;
    byLocale.set(id, t);
  }
  return t;
}

/** A list-valued key (keywords, examples) as a string array. */
export function listOf(i18n: I18n, locale: Locale, key: string): string[] {
  const value = translator(i18n, locale)(key, { returnObjects: true }) as unknown;
  return Array.isArray(value) ? value.map(String) : [];
}
