/**
 * `npm run chat [-- --locale zh-CN]`: talk to the assistant in the terminal.
 * Turns go through the same adapter, middleware and dialogs as /api/messages
 * (Assistant.handleActivity), not a copy of them.
 */
import 'dotenv/config';
import readline from 'node:readline/promises';
import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { loadConfig } from '../config/config.js';
import { createAssistant } from './createAssistant.js';
import { createLogger } from '../logging/logger.js';
import { resolveLocale, type Locale } from '../i18n/locale.js';
import { renderForTerminal, terminalBaseUrl } from './terminalText.js';

const localeArg = process.argv.indexOf('--locale');
let locale: Locale = resolveLocale(localeArg >= 0 ? process.argv[localeArg + 1] : 'en-US');

const config = loadConfig();
const assistant = createAssistant({ config, logger: createLogger('warn') });
const conversation = { id: `terminal-${randomUUID()}` };
const user = { id: 'terminal-user', name: 'You' };
const bot = { id: 'assistant', name: 'Assistant' };

let lastActions: string[] = [];
const color = process.stdout.isTTY === true;
const baseUrl = terminalBaseUrl(config.publicUrl, config.port);
const t = (key: string): string => assistant.i18n.getFixedT(locale, 'common')(`terminal.${key}`);
/** Markdown rendered for the terminal, links absolute, wrapped to its current width. */
const render = (text: string): string => renderForTerminal(text, { baseUrl, color, width: process.stdout.columns ? process.stdout.columns - 1 : 0 });
const paint = (code: string, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

function show(replies: Partial<Activity>[]): void {
  for (const reply of replies) {
    if (reply.type !== 'message') continue;
    const meta = (reply.channelData as { assistant?: { kind?: string; flow?: string; step?: string; ticketId?: string } })?.assistant;
    const tag = meta ? `[${[meta.kind, meta.flow, meta.step, meta.ticketId].filter(Boolean).join(' · ')}]` : '';
    process.stdout.write(`\n${paint('36', t('assistant'))} ${tag}\n${render(reply.text ?? '')}\n`);
    const actions = reply.suggestedActions?.actions ?? [];
    if (actions.length > 0) {
      lastActions = actions.map((a) => String(a.value ?? a.title));
      process.stdout.write(actions.map((a, i) => render(`  (${i + 1}) ${a.title}`)).join('\n') + '\n');
    }
  }
}

const send = (activity: Partial<Activity>): Promise<Partial<Activity>[]> =>
  assistant.handleActivity({ channelId: 'terminal', conversation, from: user, recipient: bot, locale, ...activity } as Partial<Activity>);

show(await send({ type: 'conversationUpdate', membersAdded: [user] }));
process.stdout.write(`\n${render(t('hint'))}\n`);
const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
rl.on('close', () => { assistant.close(); process.exit(0); });
for (;;) {
  const text = (await rl.question(`\n${paint('33', t('you'))} > `)).trim();
  if (text === '/quit') break;
  if (text === '/zh' || text === '/en') {
    // The switch is confirmed in the new language; the prompt and hint follow it.
    locale = text === '/zh' ? 'zh-CN' : 'en-US';
    process.stdout.write(`\n${render(t('switched'))}\n${render(t('hint'))}\n`);
    continue;
  }
  if (text === '') continue;
  // "2" picks the second button shown, as a tap would.
  const picked = /^\d+$/.test(text) ? lastActions[Number(text) - 1] : undefined;
  lastActions = [];
  show(await send({ type: 'message', text: picked ?? text, id: randomUUID() }));
}
rl.close();
