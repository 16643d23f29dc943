/**
 * axe-core in Chromium: the support page (after the welcome), the policy
 * viewer in both languages and the agent page, on a desktop and a phone-sized
 * viewport. No violation of impact serious or critical may remain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../config/config.js';
import { startTestApp, type TestApp } from '../support.js';

const CHROMIUM = '/usr/bin/chromium';
const run = fs.existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TOKEN = 'agent-a11y-token';

/**
 * Inside Web Chat's own bundle, out of reach of our page (its markup and styles are its own):
 * none so far. Each entry is a CSS selector handed to axe's `exclude`, with the reason beside it.
 */
const WEBCHAT_EXCLUDES: string[] = [];

interface AxeNode { target: string[]; html: string; failureSummary?: string }
interface AxeViolation { id: string; impact: string | null; help: string; nodes: AxeNode[] }

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} as const;

run('axe-core: no serious or critical violations', () => {
  let app: TestApp;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    app = await startTestApp({ ASSIST_API_TOKEN: TOKEN });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await app?.close();
  });

  const open = async (size: keyof typeof VIEWPORTS): Promise<Page> => {
    const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      locale: 'en-US',
      // axe goes in as an inline script, which the pages' CSPs rightly refuse.
      bypassCSP: true,
      ...VIEWPORTS[size],
    });
    contexts.push(ctx);
    return ctx.pages()[0] ?? ctx.newPage();
  };

  /** Runs axe on the page as it is; returns the serious and critical violations, one line each per node. */
  const audit = async (page: Page, exclude: string[] = []): Promise<string[]> => {
    if (await page.evaluate('typeof axe') === 'undefined') await page.addScriptTag({ path: AXE });
    const context = JSON.stringify({ include: [['html']], exclude: exclude.map((s) => [s]) });
    const { violations: result, passes } = JSON.parse(String(await page.evaluate(`axe.run(${context}, { resultTypes: ['violations'] })
      .then((r) => JSON.stringify({ violations: r.violations, passes: r.passes.length }))`))) as { violations: AxeViolation[]; passes: number };
    if (process.env.AXE_DEBUG) console.log(page.url(), 'passes', passes, result.map((v) => `${v.impact} ${v.id} ${v.nodes.length}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    expect(passes).toBeGreaterThan(10); // axe ran its rules
    return result
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.impact} ${v.id} (${v.help}): ${n.target.join(' ')} ${n.html.slice(0, 160)}`));
  };

  for (const size of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
    it(`the support page after the welcome (${size})`, async () => {
      const page = await open(size);
      await page.goto(app.base);
      await expect.poll(() => page.locator('.webchat__basic-transcript').innerText(), { timeout: 20_000 }).toMatch(/privacy assistant/);
      // The menu's buttons are part of what a user meets first.
      await expect.poll(() => page.locator('.webchat__suggested-actions button').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await audit(page, WEBCHAT_EXCLUDES)).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, `a11y-chat-${size}.png`) });
    }, 60_000);

    for (const [name, url] of [['policy', '/policy'], ['policy-zh', '/policy?lang=zh-CN']] as const) {
      it(`the policy viewer ${url} (${size})`, async () => {
        const page = await open(size);
        await page.goto(app.base + url);
        await page.waitForLoadState();
        expect(await audit(page)).toEqual([]);
        await page.screenshot({ path: path.join(ARTIFACTS, `a11y-${name}-${size}.png`) });
      }, 60_000);
    }

    it(`the agent page with a token and an answer (${size})`, async () => {
      const page = await open(size);
      await page.goto(`${app.base}/agent?lang=en-US&token=${TOKEN}`);
      // Empty, then with a policy answer on screen (cards, match label, script, copy button).
      expect(await audit(page)).toEqual([]);
      await page.fill('#said', 'caller asks if we sell her data');
      await expect.poll(() => page.locator('#results .card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await audit(page)).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, `a11y-agent-${size}.png`) });
      // And a fallback: the banner, related passages, no script.
      await page.fill('#said', "what's the weather tomorrow");
      await expect.poll(() => page.locator('#fallback').isVisible(), { timeout: 10_000 }).toBe(true);
      expect(await audit(page)).toEqual([]);
    }, 60_000);
  }
});
