/**
 * Test support: a whole app on a free port with its own data directory, and
 * activity factories. Tests talk to it over real HTTP (/api/messages with
 * deliveryMode expectReplies), as host apps and the hotline tools do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { loadConfig, type Config } from '../config/config.js';
import { createApp, type App } from '../bot/createApp.js';
import { createLogger, type LogSink } from '../logging/logger.js';
import type { KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { startLocalConnector, type LocalConnector } from './localConnector.js';

/**
 * How replies reach the test: `expectReplies` returns them in the HTTP body (hotline tools, tests);
 * `normal` is how every real channel works: the bot POSTs each reply to the activity's serviceUrl,
 * here a local connector.
 */
export type Delivery = 'expectReplies' | 'normal';
export const DELIVERY_MODES: readonly Delivery[] = ['expectReplies', 'normal'];

export interface AssistantMetaView {
  kind: string;
  locale: string;
  citations?: { id: string; title: string; score: number }[];
  flow?: string;
  step?: string;
  ticketId?: string;
}

export type Reply = Partial<Activity> & { channelData?: { assistant?: AssistantMetaView } };

export interface TestApp {
  readonly app: App;
  readonly base: string;
  readonly config: Config;
  readonly dataDir: string;
  /** Every log line the app wrote (already masked by the logger). */
  readonly logLines: string[];
  readonly delivery: Delivery;
  /** With normal delivery: the connector the replies were POSTed to. */
  readonly connector?: LocalConnector;
  /** POSTs an activity and returns the replies (from the body, or from the local connector). */
  send(activity: Partial<Activity>): Promise<Reply[]>;
  close(): Promise<void>;
}

let knowledgeCache: KnowledgeBase | undefined;

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'assistant-test-'));
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: { dataDir?: string; shareKnowledge?: boolean; delivery?: Delivery } = {},
): Promise<TestApp> {
  const delivery = options.delivery ?? 'expectReplies';
  const connector = delivery === 'normal' ? await startLocalConnector() : undefined;
  const dataDir = options.dataDir ?? tempDataDir();
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '100000', ...env, DATA_DIR: dataDir });
  const logLines: string[] = [];
  const sink: LogSink = (line) => logLines.push(line);
  const app = createApp({ config, logger: createLogger('debug', sink), knowledge: options.shareKnowledge === false ? undefined : knowledgeCache });
  knowledgeCache ??= app.assistant.kb;
  const base = await app.listen(0);
  return {
    app, base, config, dataDir, logLines, delivery,
    ...(connector ? { connector } : {}),
    async send(activity) {
      const from = connector?.received.length ?? 0;
      const body = connector
        ? { ...activity, serviceUrl: connector.serviceUrl }
        : { deliveryMode: 'expectReplies', ...activity };
      const res = await fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!connector) {
        if (res.status !== 200) throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
        return ((await res.json()) as { activities: Reply[] }).activities;
      }
      // Normal delivery: the bot has POSTed its replies to the connector before it answers the request.
      if (res.status < 200 || res.status > 202) throw new Error(`POST /api/messages answered ${res.status}: ${await res.text()}`);
      return connector.repliesFor(activity.conversation!.id, from) as Reply[];
    },
    close: async () => {
      await app.close();
      await connector?.close();
    },
  };
}

let counter = 0;

/** A user message in a conversation (a new conversation unless one is given). */
export function userMessage(text: string, opts: { locale?: string; conversationId?: string; channelId?: string } = {}): Partial<Activity> {
  counter += 1;
  return {
    type: 'message',
    id: `m-${counter}`,
    text,
    ...(opts.locale ? { locale: opts.locale } : {}),
    channelId: opts.channelId ?? 'test',
    serviceUrl: 'http://localhost/test',
    conversation: { id: opts.conversationId ?? `conv-${counter}` } as Activity['conversation'],
    from: { id: 'user-1', name: 'User' },
    recipient: { id: 'bot', name: 'Assistant' },
  };
}

/** A conversation: each `say` continues the same conversation id. */
export function conversation(app: TestApp, opts: { locale?: string; channelId?: string } = {}) {
  counter += 1;
  const conversationId = `conv-${counter}-${Date.now()}`;
  return {
    id: conversationId,
    say: (text: string, locale = opts.locale) => app.send(userMessage(text, { ...opts, locale, conversationId })),
  };
}

/** The metadata of the first reply that has any. */
export function metaOf(replies: readonly Reply[]): AssistantMetaView | undefined {
  return replies.find((r) => r.channelData?.assistant)?.channelData?.assistant;
}

export function messagesOf(replies: readonly Reply[]): Reply[] {
  return replies.filter((r) => r.type === 'message');
}

export interface DirectLineSession { token: string; conversationId: string; domain: string; userId: string }

/** Opens a local Direct Line conversation as the web page does: a token, then the conversation. */
export async function openDirectLine(app: Pick<TestApp, 'base'>, locale = 'en-US'): Promise<DirectLineSession> {
  const s = (await (await fetch(`${app.base}/api/directline/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locale }),
  })).json()) as DirectLineSession;
  const res = await fetch(`${app.base}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: '{}' });
  if (res.status !== 201) throw new Error(`starting the conversation answered ${res.status}`);
  return s;
}
