/**
 * Builds the assistant from its parts, without any server: knowledge, i18n,
 * storage, dialogs, bot and adapter. The HTTP app, the terminal chat and the
 * evaluation all run turns through the same `handleActivity`.
 */
import { ActivityTypes, DeliveryModes, type Activity, type Storage } from 'botbuilder';
import type { Config } from '../config/config.js';
import { createI18n, type I18n } from '../i18n/i18n.js';
import { knowledgeOptionsOf, loadKnowledgeBase, type KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { openStore } from '../storage/open.js';
import type { SqlStore } from '../storage/sql.js';
import { SqlStorage, TurnScopedConversationState, TurnScopedUserState } from '../storage/StateStorage.js';
import { TurnGuardMiddleware } from '../storage/turnGuard.js';
import { purge } from '../storage/retention.js';
import { RootDialog, type ConversationMemory } from '../dialogs/RootDialog.js';
import { createFlowDialogs } from '../dialogs/flows.js';
import { TicketStore } from '../tickets/TicketStore.js';
import { startOutboxWorker, type OutboxWorker } from '../tickets/outbox.js';
import { ForgetConversationMiddleware } from '../privacy/forget.js';
import { PrivacyAssistantBot } from './PrivacyAssistantBot.js';
import { ReplyContractMiddleware } from './replyContract.js';
import { MessageLengthMiddleware } from './messageLength.js';
import { createAdapter, type AdapterParts } from './adapter.js';
import { shareDialogsComponentRegistration } from './dialogsRegistration.js';

export interface AssistantParts {
  readonly config: Config;
  readonly knowledge?: KnowledgeBase;
  readonly i18n?: I18n;
  readonly logger?: Logger;
  /** Conversation-state storage; defaults to the store (SQLite in config.dataDir, or DATABASE_URL). */
  readonly storage?: Storage;
  /** The store; defaults to PostgreSQL when config.databaseUrl is set, else SQLite in config.dataDir. */
  readonly db?: SqlStore;
  /** The clock flows use for due dates; tests inject a fixed one. */
  readonly clock?: () => Date;
}

export interface Assistant {
  readonly config: Config;
  readonly kb: KnowledgeBase;
  readonly i18n: I18n;
  readonly logger: Logger;
  /** The store everything durable lives in (SQLite or PostgreSQL). */
  readonly db: SqlStore;
  /** Resolves when the store is reachable and migrated; rejects with a clear message when it is not. */
  readonly ready: Promise<void>;
  readonly adapterParts: AdapterParts;
  readonly bot: PrivacyAssistantBot;
  readonly tickets: TicketStore;
  /** Runs one inbound activity through the CloudAdapter with expectReplies and returns the bot's replies. */
  handleActivity(activity: Partial<Activity>): Promise<Partial<Activity>[]>;
  /** What /healthz says about the store. */
  storeHealth(): Promise<{ kind: SqlStore['dialect']; ok: boolean; error?: string }>;
  close(): Promise<void>;
}

export function createAssistant(parts: AssistantParts): Assistant {
  shareDialogsComponentRegistration();
  const { config } = parts;
  const logger = parts.logger ?? createLogger(config.logLevel);
  const i18n = parts.i18n ?? createI18n();
  const kb = parts.knowledge ?? loadKnowledgeBase(config.policyFiles, knowledgeOptionsOf(config));
  const db = parts.db ?? openStore(config);
  const tickets = new TicketStore(db, { withOutbox: config.helpdeskWebhookUrl !== '', ...(parts.clock ? { now: parts.clock } : {}) });
  const outbox: OutboxWorker | undefined = config.helpdeskWebhookUrl
    ? startOutboxWorker(db, config.helpdeskWebhookUrl, logger.child('outbox'))
    : undefined;
  const storage = parts.storage ?? new SqlStorage(db);
  // The SDK's state classes, handing the turn's scope (turnGuard.ts) to the storage with each read and write.
  const conversationState = new TurnScopedConversationState(storage);
  const userState = new TurnScopedUserState(storage);

  const services = { kb, i18n, logger: logger.child('dialogs') };
  const flowServices = { ...services, tickets, clock: parts.clock ?? (() => new Date()), deadline: config.dataRequestDeadline };
  const rootDialog = new RootDialog(services, createFlowDialogs(flowServices), conversationState.createProperty<ConversationMemory>('assistantMemory'));
  const bot = new PrivacyAssistantBot(conversationState, userState, rootDialog, i18n);
  const adapterParts = createAdapter(config, i18n, logger.child('adapter'));
  // First: every later step (commands, masking, search) sees at most MAX_MESSAGE_CHARS of a message.
  adapterParts.adapter.use(new MessageLengthMiddleware());
  adapterParts.adapter.use(new ReplyContractMiddleware());
  // After the reply contract: channel retries answered once (with the stamped replies), state conflicts retried.
  adapterParts.adapter.use(new TurnGuardMiddleware(db, logger.child('turns')));
  // "Delete this conversation": state and transcript deleted before any dialog runs (privacy/forget.ts).
  adapterParts.adapter.use(new ForgetConversationMiddleware(db, i18n, logger.child('privacy'), (context) => conversationState.getStorageKey(context) ?? ''));

  const retention = logger.child('retention');
  // The purge running now, if any: close() waits for it, so a server stopped just after it started does not
  // close the store under the purge (which then failed with "The database connection is not open").
  let purging: Promise<void> | undefined;
  const runPurge = (): void => {
    if (purging) return;
    purging = purge(db, config.retention)
      .then((counts) => { if (Object.values(counts).some((n) => n > 0)) retention.info('purged', { ...counts }); })
      .catch((error: unknown) => retention.error('purge failed', { error }))
      .finally(() => { purging = undefined; });
  };
  const purgeTimer = config.purgeIntervalMinutes > 0 ? setInterval(runPurge, config.purgeIntervalMinutes * 60_000) : undefined;
  purgeTimer?.unref();
  if (purgeTimer) db.ready.then(runPurge, () => undefined);

  const handleActivity = async (activity: Partial<Activity>): Promise<Partial<Activity>[]> => {
    const inbound = {
      channelId: 'internal',
      serviceUrl: 'http://localhost/internal',
      timestamp: new Date().toISOString(),
      ...activity,
      type: activity.type ?? ActivityTypes.Message,
      deliveryMode: DeliveryModes.ExpectReplies,
    } as Activity;
    const response = await adapterParts.adapter.processTrusted(inbound, (ctx) => bot.run(ctx));
    const body = response?.body as { activities?: Partial<Activity>[] } | undefined;
    return body?.activities ?? [];
  };

  return {
    config, kb, i18n, logger, db, ready: db.ready, adapterParts, bot, tickets, handleActivity,
    storeHealth: async () => {
      try {
        await db.ping();
        return { kind: db.dialect, ok: true };
      } catch (error) {
        return { kind: db.dialect, ok: false, error: (error as Error).message };
      }
    },
    close: async () => {
      if (purgeTimer) clearInterval(purgeTimer);
      await purging;
      await outbox?.stop();
      if (!parts.db) await db.close();
    },
  };
}
