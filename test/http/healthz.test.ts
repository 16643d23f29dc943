/**
 * Hostile messages must not stall the server: while overlong messages are
 * posted, /healthz keeps answering within 1 s.
 *
 * The bound on the work per message is the knowledge layer's length cap on
 * searched text (owned there, not at the HTTP edge); a case that still stalls
 * is marked as a known failure below.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config/config.js';
import { tempDataDir } from '../support.js';
import { activity, postJson } from './httpSupport.js';

// The server runs in its own process (a fresh one per case): a stalled event loop there must not also
// stall the probes, nor one case's leftover work the next case.
let server: ChildProcess;
let base: string;
beforeEach(async () => {
  server = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', path.join(REPO_ROOT, 'test/http/serverProcess.ts')], {
    env: { ...process.env, DATA_DIR: tempDataDir(), RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => { out += chunk.toString(); if (out.includes('\n')) resolve(out.split('\n')[0]!.trim()); });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  // Warm, as a server in service is: the first turn pays for lazy set-up, not for the hostile text.
  await (await postJson(base, '/api/messages', activity('hello'))).text();
}, 60_000);
afterEach(() => { server?.kill('SIGKILL'); });

// Before the message length cap (bot/messageLength.ts) the 250,000-character word held the event loop
// about 1.2 s; every step of a turn now sees at most 2,000 characters.
const HOSTILE: readonly { name: string; text: string }[] = [
  { name: 'a 250,000-character single word', text: 'x'.repeat(250_000) },
  { name: '80,000 Chinese characters', text: '隐私政策信息保护'.repeat(10_000) },
];

describe('healthz under hostile messages (the bound is the message length cap)', () => {
  for (const { name, text } of HOSTILE) {
    it(`answers /healthz within 1 s while ${name} is posted`, async () => {
      let done = false;
      const posting = postJson(base, '/api/messages', activity(text)).then(async (res) => { await res.text(); return res.status; })
        .catch(() => -1) // the server is killed after a stalled case
        .finally(() => { done = true; });
      const latencies: number[] = [];
      const posted = performance.now();
      // Probe until the hostile post is answered (at least 5 probes); the first probe over 5 s ends the run.
      while (!done || latencies.length < 5) {
        const t = performance.now();
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        latencies.push(res?.ok ? performance.now() - t : Infinity);
        if (!res?.ok) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!done) {
        // Stalled: report it rather than wait minutes for the post (the next test gets a fresh wait).
        console.info(`${name}: /healthz stalled (over 5 s) while the post was still running`);
        expect(Math.max(...latencies)).toBeLessThan(1000);
      }
      const status = await posting;
      const worst = Math.max(...latencies);
      console.info(`${name}: POST ${status} in ${(performance.now() - posted).toFixed(0)} ms, /healthz worst ${worst.toFixed(0)} ms over ${latencies.length} probes`);
      expect(status).toBeLessThan(500);
      expect(worst).toBeLessThan(1000);
    }, 60_000);
  }
});
