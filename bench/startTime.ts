/**
 * Part of `npm run bench`: how long the compiled server takes from process
 * start until `/healthz` answers 200, as a host's health check sees it.
 *
 * - warm: the model cache holds the trained models (what the build leaves);
 * - cold: an empty model cache, so the start trains both languages' models
 *   first (a new or edited policy, or a clone that skipped the build's training).
 *
 * Each run gets its own data folder and port; the median of several runs is printed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../config/config.js';
import { freePort } from '../test/chaos/serverProcess.js';

const SERVER = path.join(REPO_ROOT, 'dist/bot/index.js');
const RUNS = Number(process.env.START_RUNS ?? 3);
const GIVE_UP_MS = 60_000;

/** Milliseconds from spawn to the first 200 from /healthz. */
async function timeToHealthy(modelCacheDir: string): Promise<number> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'start-bench-data-'));
  const started = performance.now();
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', SERVER], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, MODEL_CACHE_DIR: modelCacheDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    while (performance.now() - started < GIVE_UP_MS) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before /healthz answered`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`/healthz did not answer within ${GIVE_UP_MS} ms`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!fs.existsSync(SERVER)) {
  console.error('start time: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const cold: number[] = [];
const warm: number[] = [];
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'start-bench-models-'));
for (let i = 0; i < RUNS; i++) {
  fs.rmSync(cache, { recursive: true, force: true });
  cold.push(await timeToHealthy(cache)); // trains into the emptied cache...
  warm.push(await timeToHealthy(cache)); // ...which the next start finds
}
fs.rmSync(cache, { recursive: true, force: true });
const show = (xs: number[]): string => `median ${(median(xs) / 1000).toFixed(2)} s (runs: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
console.log(`start → /healthz with trained models: ${show(warm)}`);
console.log(`start → /healthz training both models first: ${show(cold)}`);
