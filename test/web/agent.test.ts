/**
 * The agent-assist page in Chromium: a question the policy does not answer
 * shows the fallback banner and no script or copy button; a policy question
 * shows the passage text, a script and a "Strong match" label. Screenshots go
 * to test-artifacts/agent-fallback.png and agent-answer.png.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../config/config.js';
import { startTestApp, type TestApp } from '../support.js';

const CHROMIUM = '/usr/bin/chromium';
const run = fs.existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const TOKEN = 'agent-page-token';

run('the agent page in Chromium', () => {
  let app: TestApp;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startTestApp({ ASSIST_API_TOKEN: TOKEN });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 800 },
      locale: 'en-US',
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${app.base}/agent?lang=en-US&token=${TOKEN}`);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await app?.close();
  });

  const results = () => page.locator('#results');

  it('on a fallback shows the banner and offers no script and no copy button', async () => {
    await page.fill('#said', "what's the weather tomorrow");
    await expect.poll(() => page.locator('#fallback').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.locator('#fallback').innerText()).toMatch(/does not answer this: do not read a script/);
    // Related passages may show, for reference: never a script to read or a button to copy one.
    expect(await results().locator('.script').count()).toBe(0);
    expect(await results().locator('button').count()).toBe(0);
    expect(await results().innerText()).not.toMatch(/You can say|Copy script|Strong match/);
    if (await results().locator('.card').count() > 0) expect(await results().innerText()).toMatch(/Related passages, for reference only/);
    // The token worked: folded away; no error.
    expect(await page.locator('#error').isVisible()).toBe(false);
    expect(await page.locator('#tokenBox').getAttribute('open')).toBeNull();
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-fallback.png'), fullPage: true });
  }, 30_000);

  it('on a question it cannot place says it found no reliable match, not that the policy is silent', async () => {
    await page.fill('#said', 'zorbly wimbat frazzle quonk?');
    await expect.poll(() => page.locator('#fallback').innerText(), { timeout: 10_000 }).toMatch(/No reliable match in the privacy policy/);
    expect(await page.locator('#fallback').innerText()).not.toMatch(/does not answer this/);
    expect(await results().locator('.script').count()).toBe(0);
  }, 30_000);

  it('on a policy question shows the passage text, a script to read and a "Strong match" label', async () => {
    await page.fill('#said', 'caller asks if we sell her data');
    await expect.poll(() => page.locator('#fallback').isHidden(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => results().locator('.card').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const top = results().locator('.card').first();
    expect(await top.locator('.match').innerText()).toBe('Strong match');
    expect(await top.locator('.match.strong').count()).toBe(1);
    // The policy's own words, as the agent's check on the script.
    const passage = await top.locator('blockquote.passage').innerText();
    expect(passage.length).toBeGreaterThan(40);
    expect(await top.innerText()).toMatch(/Policy text/);
    expect((await top.locator('.script').innerText()).length).toBeGreaterThan(20);
    expect(await top.locator('button', { hasText: 'Copy script' }).count()).toBe(1);
    // Not the raw score.
    expect(await results().innerText()).not.toMatch(/Match 0\.\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'agent-answer.png'), fullPage: true });
  }, 30_000);
});
