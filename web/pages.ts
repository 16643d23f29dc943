/**
 * The web support page (GET /), the policy viewer (GET /policy) and the Web
 * Chat bundle, all served from this server: the page fetches nothing from the
 * internet. Page text comes from the `web` i18n namespace.
 */
import fs from 'node:fs';
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

const escapeHtml = escapeMarkup;

/** The head every page shares. */
function pageHead(lang: string, title: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/static/page.css">
</head>`;
}

/** Security headers: the page may talk to this server only. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'self'",
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
  <div id="webchat" role="main"><p id="loading">${escapeHtml(t('loading'))}</p></div>
  <p class="note"><span id="privacy-note">${escapeHtml(t('privacyNote'))}</span> <a id="policy-link" href="/policy" target="_blank" rel="noopener">${escapeHtml(t('policyLink'))}</a></p>
</main>
<script type="application/json" id="texts">${JSON.stringify(texts).replace(/</g, '\\u003c')}</script>
<script src="/webchat/webchat.js"></script>
<script src="/static/page.js"></script>
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
  server.get('/webchat/webchat.js', async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' });
    fs.createReadStream(WEBCHAT_BUNDLE).pipe(res);
  });
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
