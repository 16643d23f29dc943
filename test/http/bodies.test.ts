/**
 * Request bodies at the HTTP edge: JSON only, a byte cap that also holds for
 * compressed bodies, and no multipart parsing (nothing ever lands in the temp folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activity, postJson, rawRequest, startHttpApp, type HttpApp } from './httpSupport.js';

let h: HttpApp;
beforeAll(async () => { h = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '100000' }); });
afterAll(async () => { await h.close(); });

const json = { 'content-type': 'application/json' };

async function directLineSession(): Promise<{ token: string; conversationId: string }> {
  const s = (await (await postJson(h.base, '/api/directline/token', {})).json()) as { token: string; conversationId: string };
  const res = await fetch(`${h.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
  expect(res.status).toBe(201);
  return s;
}

describe('compressed bodies', () => {
  // 200 MB of zeros gzip to about 199 KB: under the 256 KB cap on the wire.
  const bomb = zlib.gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });

  it('refuses a gzip bomb with 413 without inflating it all', async () => {
    expect(bomb.length).toBeLessThan(256 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const res = await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'content-encoding': 'gzip', 'content-length': String(bomb.length) }, bomb);
    expect(res.status).toBe(413);
    expect(res.ms).toBeLessThan(1000);
    // Inflation stopped at the cap: memory did not grow by anything like 200 MB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    console.info(`gzip bomb (${bomb.length} B → 200 MB): ${res.status} in ${res.ms.toFixed(0)} ms`);
  });

  it('refuses the bomb on Direct Line too', async () => {
    const s = await directLineSession();
    const res = await rawRequest(h.base, 'POST', `/v3/directline/conversations/${s.conversationId}/activities`,
      { ...json, authorization: `Bearer ${s.token}`, 'content-encoding': 'gzip', 'content-length': String(bomb.length) }, bomb);
    expect(res.status).toBe(413);
  });

  it('still reads a small gzip body, and refuses encodings it does not know with 415', async () => {
    const body = zlib.gzipSync(JSON.stringify(activity('hello')));
    const ok = await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'content-encoding': 'gzip', 'content-length': String(body.length) }, body);
    expect(ok.status).toBe(200);
    const br = zlib.brotliCompressSync(JSON.stringify(activity('hello')));
    const refused = await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'content-encoding': 'br', 'content-length': String(br.length) }, br);
    expect(refused.status).toBe(415);
    const broken = await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'content-encoding': 'gzip', 'content-length': '9' }, 'not gzip!');
    expect(broken.status).toBe(400);
  });

  it('refuses a plain body over the cap with 413, declared or chunked', async () => {
    const big = JSON.stringify({ ...activity('x'), text: 'a'.repeat(300 * 1024) });
    expect((await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'content-length': String(big.length) }, big)).status).toBe(413);
    expect((await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'transfer-encoding': 'chunked' }, big)).status).toBe(413);
  });
});

describe('content types', () => {
  it('refuses a form-encoded activity on /api/messages with 415 (a cross-site form cannot post)', async () => {
    const res = await fetch(`${h.base}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ type: 'message', text: 'hello', 'conversation[id]': 'c1' }).toString(),
    });
    expect(res.status).toBe(415);
    const text = await fetch(`${h.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(activity('hi')) });
    expect(text.status).toBe(415);
  });

  // fetch streams a FormData in pieces: on Node 22 and 24 an answer sent before the body was read ended in EPIPE, not 415
  // (test/nodeVersions.test.ts checks it with those Nodes as the client).
  it('refuses multipart everywhere without writing a single temp file', async () => {
    const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('upload_')));
    const s = await directLineSession();
    const statuses: number[] = [];
    for (const path of ['/api/messages', `/v3/directline/conversations/${s.conversationId}/activities`, `/v3/directline/conversations/${s.conversationId}/upload?userId=x`, '/api/directline/token']) {
      const form = new FormData();
      form.append('activity', new Blob([JSON.stringify(activity('hi'))], { type: 'application/vnd.microsoft.activity' }));
      for (let i = 0; i < 5; i++) form.append('file', new Blob([Buffer.alloc(10_000, 1)]), `f${i}.bin`);
      const res = await fetch(`${h.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` }, body: form });
      statuses.push(res.status);
    }
    expect(statuses.filter((st) => st === 415).length).toBeGreaterThanOrEqual(3); // the upload route does not exist: 404
    expect(statuses.every((st) => st === 415 || st === 404)).toBe(true);
    const after = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('upload_') && !before.has(f));
    expect(after).toEqual([]);
  });

  it('answers malformed JSON with 400, never 500', async () => {
    const res = await rawRequest(h.base, 'POST', '/api/messages', { ...json, 'content-length': '12' }, '{"type": mes');
    expect(res.status).toBe(400);
  });

  it('accepts Direct Line requests that carry no body at all (start, refresh), as Direct Line JS sends them', async () => {
    const s = await directLineSession();
    const refreshed = await fetch(`${h.base}/v3/directline/tokens/refresh`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    expect(refreshed.status).toBe(200);
  });
});
