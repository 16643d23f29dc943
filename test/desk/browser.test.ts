/**
 * The desk and Web Chat in Chromium, two pages: a user asks for a person in
 * Web Chat; an agent signed in at /desk takes the conversation, sees the
 * transcript and replies; the user sees the reply marked as from a person; the
 * agent hands back and the assistant answers the next question. Then Improve
 * and the dashboard. Screenshots: test-artifacts/desk-*.png (both languages).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../config/config.js';
import { conversation, type TestApp } from '../support.js';
import { AGENTS, startDeskApp } from './deskSupport.js';

const CHROMIUM = '/usr/bin/chromium';
const run = fs.existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

run('the desk and Web Chat in Chromium', () => {
  let app: TestApp;
  let context: BrowserContext;
  let user: Page;
  let agent: Page;

  beforeAll(async () => {
    app = await startDeskApp();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1100, height: 900 },
    });
    user = context.pages()[0] ?? (await context.newPage());
    agent = await context.newPage();
    // Something in the queue: an urgent leak report and a data request, opened over the Bot Framework endpoint.
    const leak = conversation(app, { locale: 'en-US' });
    for (const text of ['I want to report a data leak', 'my password', 'a phishing text', 'yesterday', 'me@example.com', 'yes']) await leak.say(text);
    const zh = conversation(app, { locale: 'zh-CN' });
    for (const text of ['我要报告信息泄露', '密码', '冒充百购的短信', '昨天', '13812345678', '是']) await zh.say(text);
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await app?.close();
  });

  const transcript = () => user.locator('.webchat__basic-transcript');
  const say = async (text: string) => {
    const box = user.locator('input.webchat__send-box-text-box__input, textarea.webchat__send-box-text-box__input').first();
    await box.fill(text);
    await box.press('Enter');
  };
  /** Bot messages on the page so far (Web Chat also repeats new ones in a live region: only the count rising matters). */
  const botCount = async () => ((await transcript().innerText()).match(/Bot \w+ said/g) ?? []).length;
  const ask = async (text: string) => {
    const before = await botCount();
    await say(text);
    await expect.poll(botCount, { timeout: 30_000 }).toBeGreaterThan(before);
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `desk-${name}.png`), fullPage: true });

  it('hands a Web Chat conversation to an agent at /desk and back', async () => {
    await user.goto(app.base);
    await expect.poll(() => transcript().innerText(), { timeout: 20_000 }).toMatch(/privacy assistant/);
    await ask('Do you log my IP address?');
    await say('talk to a person');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toMatch(/asked customer service to take over/);

    await agent.goto(`${app.base}/desk`);
    await agent.fill('input[name="name"]', 'anna');
    await agent.fill('input[name="password"]', AGENTS.anna);
    await agent.click('#sign-in button[type="submit"]');
    await agent.waitForSelector('a.live-link');
    await shot(agent, 'queue');

    await agent.click('a.live-link');
    await expect.poll(() => agent.locator('#transcript').innerText(), { timeout: 10_000 }).toMatch(/talk to a person/);
    expect(await agent.locator('#transcript').innerText()).toMatch(/Do you log my IP address\?/);
    const [held] = await app.app.desk.live.list();
    await agent.click('#take button');
    await agent.waitForSelector('#say input');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toMatch(/anna from customer service has joined/);

    await say('Someone ordered things on my account');
    await expect.poll(() => agent.locator('#transcript').innerText(), { timeout: 10_000 }).toMatch(/Someone ordered things on my account/);
    await agent.fill('#say input', 'Hello, I am Anna. I have frozen the account; let us check the orders together.');
    await agent.press('#say input', 'Enter');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toMatch(/anna \(customer service\):\s*Hello, I am Anna/);
    // The assistant said nothing to the user's message while the agent held the conversation.
    const lines = await app.app.desk.live.transcript(held!.conversationId);
    const at = lines.findIndex((l) => l.text === 'Someone ordered things on my account');
    expect(lines.slice(at + 1).map((l) => l.role)).toEqual(['agent']);
    await expect.poll(() => agent.locator('#transcript').innerText(), { timeout: 10_000 }).toMatch(/Hello, I am Anna/);
    await shot(agent, 'live');
    await shot(user, 'live-user');
    await agent.goto(`${app.base}/desk/live/${held!.id}?lang=zh-CN`);
    await agent.waitForSelector('#say input');
    await shot(agent, 'live.zh-CN');
    await agent.goto(`${app.base}/desk?lang=zh-CN`);
    await agent.waitForSelector('a.live-link');
    await shot(agent, 'queue.zh-CN');
    await agent.goto(`${app.base}/desk/live/${held!.id}`);
    await agent.waitForSelector('#hand-back button');

    await agent.click('#hand-back button');
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toMatch(/handed the conversation back/);
    // The assistant answers again (what it answers is the search's business).
    await ask('Do you share my data with advertisers?');
  }, 120_000);

  it('Improve lists not-helpful answers and fallbacks; an editor attaches one; the dashboard draws', async () => {
    // An answer to mark not helpful (asking until the search answers one rather than starting a flow).
    for (const question of ['Do you use cookies?', 'Do you log my IP address?', 'How long do you keep my data?', 'Do you sell my personal information?']) {
      await ask(question);
      await user.waitForTimeout(1000);
      if (await user.locator('button', { hasText: 'Not helpful' }).count()) break;
      await ask('cancel');
    }
    await user.locator('button', { hasText: 'Not helpful' }).last().click();
    await expect.poll(() => transcript().innerText(), { timeout: 15_000 }).toMatch(/didn.t help/);
    // Something no passage, flow or topic covers: a fallback.
    await ask('zorblax quibbleton flibbertigibbet');
    await agent.goto(`${app.base}/desk/improve`);
    await expect.poll(() => agent.locator('table.improve').innerText(), { timeout: 10_000 }).toMatch(/zorblax quibbleton/);
    await shot(agent, 'improve');
    const row = agent.locator('table.improve tr', { hasText: 'zorblax quibbleton' });
    await row.locator('input[name="target"]').fill('none:payments');
    await row.locator('button').click();
    await agent.waitForSelector('ul.suggestions');
    expect(await agent.locator('ul.suggestions').innerText()).toMatch(/none:payments/);
    await agent.goto(`${app.base}/desk/improve?lang=zh-CN`);
    await shot(agent, 'improve.zh-CN');
    await agent.goto(`${app.base}/desk/dashboard`);
    await agent.waitForSelector('table.bars');
    await shot(agent, 'dashboard');
    await agent.goto(`${app.base}/desk/dashboard?lang=zh-CN`);
    await shot(agent, 'dashboard.zh-CN');
  }, 90_000);
});
