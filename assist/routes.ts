/**
 * POST /api/assist and the agent page GET /agent, both behind the assist
 * bearer token (no token configured: both are off, 404).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type restify from 'restify';
import type { I18n } from '../i18n/i18n.js';
import { isLocale, resolveLocale } from '../i18n/locale.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { checkBearer } from '../tickets/routes.js';
import type { ApiAuth } from '../bot/rateLimit.js';
import { assist } from './assist.js';
import { escapeMarkup } from '../web/escape.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PAGE = HERE.split(path.sep).includes('dist') ? path.resolve(HERE, '../../assist/agent.html') : path.resolve(HERE, 'agent.html');

export function registerAssistRoutes(server: restify.Server, kb: KnowledgeBase, i18n: I18n, token: string, auth?: ApiAuth): void {
  const off = (res: restify.Response): void => { res.send(404, { error: { code: 'not_found', message: 'Agent assist is not enabled.' } }); };

  server.post('/api/assist', async (req, res) => {
    if (!token) return off(res);
    if (!checkBearer(req, res, token, auth)) return;
    const body = req.body as { text?: unknown; locale?: unknown } | undefined;
    if (!body || typeof body !== 'object' || typeof body.text !== 'string' || body.text.trim() === '' || body.text.length > 2000
      || (body.locale !== undefined && typeof body.locale !== 'string')) {
      res.send(400, { error: { code: 'bad_request', message: 'Send JSON {"text": "what the caller said", "locale": "en-US" | "zh-CN"}' } });
      return;
    }
    const locale = isLocale(body.locale) ? body.locale : resolveLocale(body.locale as string | undefined, body.text);
    res.send(200, assist(kb, i18n, body.text, locale));
  });

  // The page itself holds no data; the token is checked on every /api/assist call it makes.
  server.get('/agent', async (req, res) => {
    if (!token) return off(res);
    const locale = resolveLocale((req.query as { lang?: string } | undefined)?.lang ?? 'en-US');
    const t = i18n.getFixedT(locale, 'agent');
    // Page text comes from the `agent` namespace; values are escaped for HTML and for the inline script.
    const html = fs.readFileSync(PAGE, 'utf8')
      .replace(/{{lang}}/g, locale)
      .replace(/{{json:(\w+)}}/g, (_m, key: string) => JSON.stringify(t(key, { returnObjects: true })).replace(/</g, '\\u003c'))
      .replace(/{{t:(\w+)}}/g, (_m, key: string) => escapeMarkup(t(key)));
    // The page's one inline script runs by nonce; nothing else may run, and it may talk to this server only.
    const nonce = randomBytes(16).toString('base64');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(html.replace(/<script>/g, `<script nonce="${nonce}">`));
  });
}
