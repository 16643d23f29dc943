/**
 * "Delete this conversation" / "删除这段对话": the user's own erase button.
 * Handled before any dialog runs (the command works in the middle of a flow
 * too): the conversation's state (where a flow was, what it had gathered),
 * its Direct Line transcript and the replies kept for channel retries are
 * deleted, and the assistant confirms. The bot does not run on that turn, so
 * nothing is written back. Tickets the user filed are kept: customer service
 * still has to act on them, and the confirmation says so.
 *
 * The local Direct Line conversation itself (its id and owner) stays, so the
 * open page keeps working: its activity numbers come from a counter, and the
 * confirmation is the next thing the page receives.
 */
import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import type { I18n } from '../i18n/i18n.js';
import type { Logger } from '../logging/logger.js';
import { detectCommand } from '../dialogs/keywords.js';
import { turnLocale } from '../dialogs/assistantMeta.js';
import { infoMessage } from '../dialogs/replies.js';

/** What deleting needs from the store (storage/sql.ts `SqlStore`): statements in one transaction. */
export interface ForgetStore {
  transaction<T>(work: (tx: { run(sql: string, params?: readonly (string | number | null)[]): Promise<number> }) => Promise<T>): Promise<T>;
}

export interface ForgetCounts {
  state: number;
  transcript: number;
  retries: number;
}

/** Which conversation to forget: its id, and the key its state is stored under (the SDK's ConversationState key). */
export interface ForgottenConversation {
  readonly conversationId: string;
  readonly stateKey: string;
}

/**
 * Deletes what is kept about one conversation: its state row, its Direct Line activities, and the stored
 * replies of its processed activities (except `keepActivityId`, the turn now running).
 */
export async function forgetConversation(db: ForgetStore, { conversationId, stateKey }: ForgottenConversation, keepActivityId = ''): Promise<ForgetCounts> {
  return db.transaction(async (tx) => ({
    // By its key, not a pattern: a LIKE '%/conversations/<id>/%' read every state row there is, with the event loop
    // blocked on SQLite (every conversation keeps one until retention).
    state: await tx.run('DELETE FROM bot_state WHERE key = ?', [stateKey]),
    transcript: await tx.run('DELETE FROM dl_activities WHERE conversation_id = ?', [conversationId]),
    retries: await tx.run('DELETE FROM processed_activities WHERE conversation_id = ? AND activity_id <> ?', [conversationId, keepActivityId]),
  }));
}

export class ForgetConversationMiddleware implements Middleware {
  /** `stateKeyOf`: the key the conversation's state is stored under (ConversationState's `getStorageKey`). */
  constructor(private readonly db: ForgetStore, private readonly i18n: I18n, private readonly logger: Logger,
    private readonly stateKeyOf: (context: TurnContext) => string) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { activity } = context;
    const conversationId = activity.conversation?.id;
    if (activity.type !== ActivityTypes.Message || !conversationId || detectCommand(activity.text ?? '', this.i18n) !== 'forget') {
      await next();
      return;
    }
    const counts = await forgetConversation(this.db, { conversationId, stateKey: this.stateKeyOf(context) }, activity.id ?? '');
    this.logger.info('conversation deleted at the user\'s request', { ...counts });
    await context.sendActivity(infoMessage(this.i18n, turnLocale(context), 'forget.done', 'forget.doneSpeak'));
  }
}
