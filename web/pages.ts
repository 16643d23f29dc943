/**
 * The web support page (GET /), the policy viewer (GET /policy) and the Web
 * Chat bundle, all served from this server: the page fetches nothing from the
 * internet. Page text comes from the `web` i18n namespace.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type restify from 'restify';
import type { I18n } from '../i18n/i18n.js';
import { SUPPORTED_LOCALES, resolveLocale, type Locale } from '../i18n/locale.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { escapeMarkup } from './escape.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STATIC_DIR = HERE.split(path.sep).includes('dist') ? path.resolve(HERE, '../../web/static') : path.resolve(HERE, 'static');
// The package exports no subpaths; its main entry sits in lib/, the browser bundle in dist/ beside it.
const WEBCHAT_BUNDLE = path.resolve(path.dirname(createRequire(import.meta.url).resolve('botframework-webchat')), '../dist/webchat.js');
/** The bundle's version: its URL carries it, so the file can be cached for a year and a new version is a new URL. */
const WEBCHAT_VERSION = ((): string => {
  try {
    return String((JSON.parse(fs.readFileSync(path.resolve(path.dirname(WEBCHAT_BUNDLE), '../package.json'), 'utf8')) as { version?: string }).version ?? 'dev');
  } catch {
    return 'dev';
  }
})();
export const WEBCHAT_URL = `/webchat/webchat.js?v=${WEBCHAT_VERSION}`;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The page's icon: the logo's "B" on the brand red (SVG, served for /favicon.ico too). */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="#c8102e"/>'
  + '<text x="16" y="22" font-family="Arial,sans-serif" font-size="18" font-weight="700" fill="#fff" text-anchor="middle">B</text></svg>';

/**
 * A static file kept in memory with its gzip and brotli forms, compressed once (in the background at start;
 * until then the plain bytes go out). 3.9 MB of Web Chat is about 1 MB gzipped.
 */
interface Precompressed { plain: Buffer; gzip?: Buffer; br?: Buffer; etag: string }
function precompress(file: string): Precompressed {
  const plain = fs.readFileSync(file);
  const entry: Precompressed = { plain, etag: `"${createHash('sha1').update(plain).digest('base64url').slice(0, 20)}"` };
  zlib.gzip(plain, { level: 9 }, (error, out) => { if (!error) entry.gzip = out; });
  zlib.brotliCompress(plain, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: plain.length } },
    (error, out) => { if (!error) entry.br = out; });
  return entry;
}

function sendPrecompressed(req: restify.Request, res: restify.Response, entry: Precompressed, type: string, cacheControl: string): void {
  const headers: Record<string, string> = { 'content-type': type, 'cache-control': cacheControl, etag: entry.etag, vary: 'Accept-Encoding' };
  if (req.header('if-none-match') === entry.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const accepts = String(req.header('accept-encoding') ?? '');
  const [body, encoding] = entry.br && /\bbr\b/.test(accepts) ? [entry.br, 'br']
    : entry.gzip && /\bgzip\b/.test(accepts) ? [entry.gzip, 'gzip'] : [entry.plain, undefined];
  res.writeHead(200, { ...headers, 'content-length': String(body.length), ...(encoding ? { 'content-encoding': encoding } : {}) });
  res.end(body);
}

const escapeHtml = escapeMarkup;

/** The head every page shares. */
function pageHead(lang: string, title: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/page.css">
</head>`;
}

/** Security headers: the page may talk to this server only. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function renderIndex(i18n: I18n): string {
  const texts = Object.fromEntries(SUPPORTED_LOCALES.map((l) => [l, i18n.getResourceBundle(l, 'web') as Record<string, string>]));
  const t = i18n.getFixedT('en-US', 'web');
  return `${pageHead('en-US', t('title'))}
<body>
<header class="brand">
  <span class="logo" aria-hidden="true">B</span>
  <h1 id="heading">${escapeHtml(t('heading'))}</h1>
  <nav class="languages" aria-label="${escapeHtml(t('language'))}">
    <button type="button" data-locale="en-US">English</button>
    <button type="button" data-locale="zh-CN">简体中文</button>
  </nav>
</header>
<main class="chat">
  <div id="webchat"><p id="loading">${escapeHtml(t('loading'))}</p></div>
  <p class="note"><span id="privacy-note">${escapeHtml(t('privacyNote'))}</span> <a id="policy-link" href="/policy" target="_blank" rel="noopener">${escapeHtml(t('policyLink'))}</a></p>
</main>
<script type="application/json" id="texts">${JSON.stringify(texts).replace(/</g, '\\u003c')}</script>
<script src="/static/page.js"></script>
<script src="${WEBCHAT_URL}"></script>
</body>
</html>`;
}

/** A policy's own "updated on" line (the viewer shows the date once, above the text). */
const DATE_LINE = /^(?:更新日期|最后更新|生效日期|update date|updated|last updated|effective date)\s*(?:on)?\s*[:：]?\s*[\d年月日./\s-]+$/iu;

/** 2022-08-23 → "2022年8月23日" in Chinese; as it is in English. */
export function localDate(iso: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m && locale === 'zh-CN' ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : iso;
}

export function renderPolicy(kb: KnowledgeBase, i18n: I18n, locale: Locale): string {
  const doc = kb.document(locale);
  const t = i18n.getFixedT(locale, 'web');
  let section = '';
  const body = doc.passages.map((p) => {
    const header = p.sectionTitle !== section && p.id !== '0' ? `<h2>${escapeHtml(p.sectionTitle)}</h2>` : '';
    section = p.sectionTitle;
    // The update date is shown once, at the top, in the page's language: not again as the policy's own date line.
    const lines = p.text.split('\n').filter((line) => !DATE_LINE.test(line.trim()));
    if (lines.length === 0) return '';
    const paragraphs = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('');
    return `${header}<section class="passage" id="${escapeHtml(p.id)}"><a class="anchor" href="#${escapeHtml(p.id)}">${escapeHtml(p.label)}</a>${paragraphs}</section>`;
  }).join('\n');
  const other = locale === 'zh-CN' ? { href: '/policy?lang=en-US', label: 'English' } : { href: '/policy?lang=zh-CN', label: '简体中文' };
  return `${pageHead(locale, t('policyTitle'))}
<body class="policy">
<header class="brand"><a class="back" href="/" aria-label="${escapeHtml(t('backToChat'))}">←</a><h1>${escapeHtml(t('policyTitle'))}</h1>
<nav class="languages"><a href="${other.href}">${other.label}</a> <a class="back-label" href="/">${escapeHtml(t('backToChat'))}</a></nav></header>
<main>
${doc.updated ? `<p class="updated">${escapeHtml(t('updated', { date: localDate(doc.updated, locale) }))}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

export function registerPages(server: restify.Server, kb: KnowledgeBase, i18n: I18n): void {
  server.get('/', async (_req, res) => {
    res.writeHead(200, PAGE_HEADERS);
    res.end(renderIndex(i18n));
  });
  server.get('/policy', async (req, res) => {
    const locale = resolveLocale((req.query as { lang?: string } | undefined)?.lang ?? 'en-US');
    res.writeHead(200, PAGE_HEADERS);
    res.end(renderPolicy(kb, i18n, locale));
  });
  const webchat = precompress(WEBCHAT_BUNDLE);
  server.get('/webchat/webchat.js', async (req, res) => {
    // Versioned URL: cached for a year; the bare URL is revalidated (ETag) so an upgrade is never stale.
    const versioned = (req.query as { v?: string } | undefined)?.v === WEBCHAT_VERSION;
    sendPrecompressed(req, res, webchat, 'application/javascript; charset=utf-8', versioned ? IMMUTABLE : 'public, max-age=0, must-revalidate');
  });
  const favicon = (_req: restify.Request, res: restify.Response): void => {
    res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=604800' });
    res.end(FAVICON);
  };
  server.get('/favicon.ico', async (req, res) => favicon(req, res));
  server.get('/favicon.svg', async (req, res) => favicon(req, res));
  server.get('/static/:file', async (req, res) => {
    const file = String(req.params.file);
    const types: Record<string, string> = { '.js': 'application/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
    const full = path.join(STATIC_DIR, path.basename(file));
    if (!types[path.extname(file)] || !fs.existsSync(full)) {
      res.send(404, { error: { code: 'not_found', message: 'No such file.' } });
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)]! });
    fs.createReadStream(full).pipe(res);
  });
}
