/**
 * Two first-run timings on this machine (not part of the test suite):
 *
 *  - `npm start` to a 200 from /healthz, on a second start (the first start builds and trains; the
 *    second is what a user who changed nothing waits for);
 *  - page to welcome on loopback: navigation start to the first bot message visible in Web Chat, in a
 *    fresh Chromium profile (nothing cached), with where the time went (resources, token, conversation,
 *    the poll that brought the welcome).
 *
 * Usage: npx tsx bench/pageTiming.ts [--runs N]   (needs /usr/bin/chromium)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort } from '../test/chaos/serverProcess.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const runsArg = process.argv.indexOf('--runs');
const PAGE_RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

interface Started { child: ChildProcess; ms: number; base: string }

/** `npm start` in its own process group; resolves when /healthz answers 200. */
async function npmStart(port: number, dataDir: string): Promise<Started> {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const base = `http://localhost:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}: ${stderr.slice(-2000)}`);
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) return { child, ms: performance.now() - started, base };
    if (performance.now() - started > 120_000) throw new Error('no /healthz within 120 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stop(s: Started): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  try { process.kill(-s.child.pid!, 'SIGTERM'); } catch { /* already gone */ }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}

/** Records, in the page, when the first bot message shows and what the network did before it. */
const PROBE = `
  new MutationObserver((_m, observer) => {
    // The welcome counts once it is readable: the page's early welcome, or Web Chat's first bot bubble.
    const bot = document.querySelector('#webchat .early-welcome')
      || document.querySelector('.webchat__basic-transcript .webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content');
    if (bot && bot.textContent.trim() && bot.getClientRects().length > 0) {
      window.__welcomeAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
`;

interface PageRun { welcome: number; marks: Record<string, number> }

/** A fresh profile: a first visit (cold), then the same browser again in a new tab: a returning visitor (warm). */
async function pageToWelcome(base: string): Promise<{ cold: PageRun; warm: PageRun }> {
  const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-')), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 }, locale: 'en-US',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const cold = await visit(await ctx.newPage(), base);
    const warm = await visit(await ctx.newPage(), base); // new tab: new sessionStorage, so a new conversation
    return { cold, warm };
  } finally {
    await ctx.close();
  }
}

async function visit(page: import('playwright-core').Page, base: string): Promise<PageRun> {
  {
    await page.addInitScript(PROBE);
    await page.goto(base);
    // (Not waitForFunction: the page's CSP refuses the eval it needs. The time is taken in the page anyway.)
    const deadline = Date.now() + 30_000;
    while (await page.evaluate('window.__welcomeAt') === undefined) {
      if (Date.now() > deadline) throw new Error('no welcome within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = JSON.parse(String(await page.evaluate(`JSON.stringify((() => {
      const marks = {};
      const nav = performance.getEntriesByType('navigation')[0];
      marks['html'] = nav.responseEnd;
      marks['DOMContentLoaded'] = nav.domContentLoadedEventEnd;
      let polls = 0;
      for (const r of performance.getEntriesByType('resource')) {
        const u = new URL(r.name);
        if (u.pathname.startsWith('/webchat/')) marks['webchat.js loaded'] = r.responseEnd;
        else if (u.pathname === '/static/page.js') marks['page.js loaded'] = r.responseEnd;
        else if (u.pathname === '/api/directline/token') marks['token answered'] = r.responseEnd;
        else if (u.pathname === '/v3/directline/conversations') { marks['conversation POST sent'] = r.startTime; marks['conversation POST answered'] = r.responseEnd; }
        else if (/\\/activities$/.test(u.pathname) && r.startTime < window.__welcomeAt) {
          polls += 1;
          marks['GET activities #' + polls + ' answered'] = r.responseEnd;
        }
      }
      return { welcome: window.__welcomeAt, marks };
    })())`))) as PageRun;
    await page.close();
    return result;
  }
}

const fmt = (ms: number): string => `${Math.round(ms)} ms`;

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-timing-'));
  const first = await npmStart(port, dataDir);
  await stop(first);
  const second = await npmStart(port, dataDir);
  console.log(`npm start → /healthz: first start ${fmt(first.ms)}, second start ${fmt(second.ms)}`);
  try {
    const runs: { cold: PageRun; warm: PageRun }[] = [];
    for (let i = 0; i < PAGE_RUNS; i++) runs.push(await pageToWelcome(second.base));
    for (const [i, r] of runs.entries()) {
      for (const kind of ['cold', 'warm'] as const) {
        const marks = Object.entries(r[kind].marks).sort((a, b) => a[1] - b[1]).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
        console.log(`page → welcome #${i + 1} ${kind}: ${fmt(r[kind].welcome)}  (${marks})`);
      }
    }
    for (const kind of ['cold', 'warm'] as const) {
      const sorted = runs.map((r) => r[kind].welcome).sort((a, b) => a - b);
      console.log(`page → welcome, ${kind === 'cold' ? 'first visit (fresh profile)' : 'returning visitor (same profile, new tab)'}: `
        + `median ${fmt(sorted[Math.floor(sorted.length / 2)]!)}, max ${fmt(sorted.at(-1)!)} over ${runs.length}`);
    }
  } finally {
    await stop(second);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
