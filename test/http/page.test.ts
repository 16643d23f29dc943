/**
 * The support page in Chromium at the HTTP edge: Web Chat runs under a CSP
 * without 'unsafe-eval' (no violation reported), and the page backs off and
 * recovers on its own when reads and sends are answered 429 for a while.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHttpApp, type HttpApp } from './httpSupport.js';

const CHROMIUM = '/usr/bin/chromium';
const run = fs.existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

run('the page against 429s, in Chromium', () => {
  let h: HttpApp;
  let context: BrowserContext;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    h = await startHttpApp({ RATE_LIMIT_PER_MINUTE: '' });
    context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => { if (/Content Security Policy|unsafe-eval/i.test(m.text())) violations.push(m.text()); });
    await page.addInitScript('document.addEventListener("securitypolicyviolation", (e) => console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI))');
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await h?.close();
  });

  const transcript = () => page.locator('.webchat__basic-transcript');
  const say = async (text: string) => {
    const box = page.locator('input.webchat__send-box-text-box__input, textarea.webchat__send-box-text-box__input').first();
    await box.fill(text);
    await box.press('Enter');
  };

  it("runs Web Chat without 'unsafe-eval' in its CSP", async () => {
    await page.goto(h.base);
    await expect.poll(() => transcript().innerText(), { timeout: 20_000 }).toMatch(/privacy assistant/);
    await say('Do you log my IP address?');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toMatch(/Section 1\.2\(1\)/);
    expect(violations).toEqual([]);
  }, 60_000);

  it('keeps polling after reads are refused with 429, and a send refused with 429 goes through on retry', async () => {
    // For 3 s every read is refused as an over-budget server would; Direct Line JS alone would stop polling for good.
    let refusing = true;
    let refusedReads = 0;
    let refusedSends = 0;
    await page.route(/\/v3\/directline\/conversations\/[^/]+\/activities/, async (route) => {
      const method = route.request().method();
      if (method === 'GET' && refusing) {
        refusedReads += 1;
        return route.fulfill({ status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":{"code":"rate_limited"}}' });
      }
      if (method === 'POST' && refusedSends === 0) {
        refusedSends += 1;
        return route.fulfill({ status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"error":{"code":"rate_limited"}}' });
      }
      return route.continue();
    });
    await expect.poll(() => refusedReads, { timeout: 10_000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3000));
    refusing = false;
    await say('How long do you keep my data?');
    // Any answer after the last copy of the question (the transcript also has a live region at its top).
    const afterQuestion = async () => { const t = await transcript().innerText(); return t.slice(t.lastIndexOf('How long do you keep my data?')); };
    await expect.poll(afterQuestion, { timeout: 20_000 }).toMatch(/Bot \w+ said:/);
    expect(refusedSends).toBe(1);
    // Backed off: at most a few reads in 3 s, not one per 400 ms.
    expect(refusedReads).toBeLessThanOrEqual(5);
    expect(await transcript().innerText()).not.toMatch(/Send failed/);
    await page.unroute(/\/v3\/directline\/conversations\/[^/]+\/activities/);
  }, 60_000);
});
