/**
 * Support for the HTTP-edge tests: an app on a free port with production rate
 * limits unless told otherwise, an injectable clock, and raw requests (bodies
 * and headers exactly as an attacker would send them).
 */
import http from 'node:http';
import type { Activity } from 'botbuilder';
import { loadConfig, type Config } from '../../config/config.js';
import { createApp, type App } from '../../bot/createApp.js';
import { createLogger } from '../../logging/logger.js';
import type { KnowledgeBase } from '../../knowledge/knowledgeBase.js';
import { tempDataDir } from '../support.js';

export interface HttpApp {
  readonly app: App;
  readonly base: string;
  readonly port: number;
  readonly config: Config;
  readonly logLines: string[];
  close(): Promise<void>;
}

// The knowledge base is loaded once per test file: loading it is the slow part of starting an app.
let knowledge: KnowledgeBase | undefined;

export async function startHttpApp(env: Record<string, string> = {}, options: { now?: () => number } = {}): Promise<HttpApp> {
  const config = loadConfig({ ...env, DATA_DIR: tempDataDir() });
  const logLines: string[] = [];
  const app = createApp({ config, logger: createLogger('debug', (line) => logLines.push(line)), ...(knowledge ? { knowledge } : {}) }, options);
  knowledge ??= app.assistant.kb;
  await (app.assistant as { ready?: Promise<void> }).ready;
  const base = await app.listen(0);
  return { app, base, port: Number(new URL(base).port), config, logLines, close: () => app.close() };
}

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }

/** One request with exactly these headers and body bytes (fetch would add or refuse some). */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawResponse> {
  const url = new URL(path, base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
    });
    // The server may answer and close before the whole body is written: that is a refusal, not a failure here.
    req.on('error', (error) => reject(error));
    if (body !== undefined) req.end(body); else req.end();
  });
}

let n = 0;
export function activity(text: string, opts: { conversationId?: string; userId?: string; channelId?: string } = {}): Partial<Activity> {
  n += 1;
  return {
    type: 'message', id: `h-${n}`, text, channelId: opts.channelId ?? 'test', serviceUrl: 'http://localhost/test',
    deliveryMode: 'expectReplies',
    conversation: { id: opts.conversationId ?? `hc-${n}-${Date.now()}` } as Activity['conversation'],
    from: { id: opts.userId ?? `hu-${n}`, name: 'User' }, recipient: { id: 'bot', name: 'Bot' },
  };
}

export const postJson = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
