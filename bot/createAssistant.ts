/**
 * Builds the assistant from its parts, without any server: knowledge, i18n,
 * storage, dialogs, bot and adapter. The HTTP app, the terminal chat and the
 * evaluation all run turns through the same `handleActivity`.
 */
import { ConversationState, UserState, ActivityTypes, DeliveryModes, type Activity, type Storage } from 'botbuilder';
import type { Config } from '../config/config.js';
import { createI18n, type I18n } from '../i18n/i18n.js';
import { loadKnowledgeBase, type KnowledgeBase } from '../knowledge/knowledgeBase.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { openDatabase, type Db } from '../storage/database.js';
import { SqliteStorage } from '../storage/SqliteStorage.js';
import { RootDialog, type ConversationMemory } from '../dialogs/RootDialog.js';
import { createFlowDialogs } from '../dialogs/flows.js';
import { TICKET_MIGRATIONS, TicketStore } from '../tickets/TicketStore.js';
import { DIRECT_LINE_MIGRATIONS } from '../web/directline/store.js';
import { startOutboxWorker, type OutboxWorker } from '../tickets/outbox.js';
import { PrivacyAssistantBot } from './PrivacyAssistantBot.js';
import { ReplyContractMiddleware } from './replyContract.js';
import { createAdapter, type AdapterParts } from './adapter.js';

export interface AssistantParts {
  readonly config: Config;
  readonly knowledge?: KnowledgeBase;
  readonly i18n?: I18n;
  readonly logger?: Logger;
  /** Conversation-state storage; defaults to SQLite in config.dataDir. */
  readonly storage?: Storage;
  readonly db?: Db;
  /** The clock flows use for due dates; tests inject a fixed one. */
  readonly clock?: () => Date;
}

export interface Assistant {
  readonly config: Config;
  readonly kb: KnowledgeBase;
  readonly i18n: I18n;
  readonly logger: Logger;
  readonly db: Db;
  readonly adapterParts: AdapterParts;
  readonly bot: PrivacyAssistantBot;
  readonly tickets: TicketStore;
  /** Runs one inbound activity through the CloudAdapter with expectReplies and returns the bot's replies. */
  handleActivity(activity: Partial<Activity>): Promise<Partial<Activity>[]>;
  close(): void;
}

export function createAssistant(parts: AssistantParts): Assistant {
  const { config } = parts;
  const logger = parts.logger ?? createLogger(config.logLevel);
  const i18n = parts.i18n ?? createI18n();
  const kb = parts.knowledge ?? loadKnowledgeBase(config.policyFiles, config);
  const db = parts.db ?? openDatabase(config.dataDir, [...TICKET_MIGRATIONS, ...DIRECT_LINE_MIGRATIONS]);
  const tickets = new TicketStore(db, { withOutbox: config.helpdeskWebhookUrl !== '', ...(parts.clock ? { now: parts.clock } : {}) });
  const outbox: OutboxWorker | undefined = config.helpdeskWebhookUrl
    ? startOutboxWorker(db, config.helpdeskWebhookUrl, logger.child('outbox'))
    : undefined;
  const storage = parts.storage ?? new SqliteStorage(db);
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);

  const services = { kb, i18n, logger: logger.child('dialogs') };
  const flowServices = { ...services, tickets, clock: parts.clock ?? (() => new Date()), deadline: config.dataRequestDeadline };
  const rootDialog = new RootDialog(services, createFlowDialogs(flowServices), conversationState.createProperty<ConversationMemory>('assistantMemory'));
  const bot = new PrivacyAssistantBot(conversationState, userState, rootDialog, i18n);
  const adapterParts = createAdapter(config, i18n, logger.child('adapter'));
  adapterParts.adapter.use(new ReplyContractMiddleware());

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
    config, kb, i18n, logger, db, adapterParts, bot, tickets, handleActivity,
    close: () => {
      outbox?.stop();
      if (!parts.db) db.close();
    },
  };
}
