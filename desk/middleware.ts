/**
 * The desk's view of every turn, as adapter middleware:
 * - the masked transcript agents read (user and assistant messages);
 * - while an agent holds the conversation, the assistant stays quiet (only
 *   `help` still reaches it);
 * - a turn that sent `handoff.initiate` joins the live queue;
 * - numbers for /metrics, answer and fallback events for Improve, and the
 *   Helpful / Not helpful buttons on answers (and what users press).
 */
import { ActionTypes, type Activity, type CardAction, type Middleware, type TurnContext } from 'botbuilder';
import { translator, type I18n } from '../i18n/i18n.js';
import { isLocale, type Locale } from '../i18n/locale.js';
import type { Logger } from '../logging/logger.js';
import { detectCommand } from '../dialogs/keywords.js';
import { maskPersonalData } from '../privacy/mask.js';
import { timeOrderedId } from '../storage/ids.js';
import { iso, type Param, type Queryable, type SqlStore } from '../storage/sql.js';
import { rideWithTurnState, turnScopeOf, type StateRider, type TurnScope } from '../storage/StateStorage.js';
import { claimTurn, endsAttemptOnly, isReplayingTurn } from '../storage/turnClaim.js';
import { isVoiceChannel } from '../voice/ssml.js';
import { DESK_SEND, type LiveDesk } from './live.js';
import type { Metrics } from './metrics.js';

interface Meta { kind?: string; flow?: string; ticketId?: string; locale?: string; citations?: { id: string }[]; smallTalk?: string }
const metaOf = (a: Partial<Activity>): Meta | undefined => (a.channelData as { assistant?: Meta } | undefined)?.assistant;

export interface FeedbackValue { readonly assistantFeedback: { readonly event: string; readonly helpful: boolean } }
const feedbackOf = (a: Partial<Activity>): FeedbackValue['assistantFeedback'] | undefined => {
  const v = (a.value as Partial<FeedbackValue> | undefined)?.assistantFeedback;
  return v && typeof v.event === 'string' && typeof v.helpful === 'boolean' ? v : undefined;
};

const MAX_REMEMBERED = 10_000;

/**
 * What the desk writes during one turn (the user's line, the decision event, the assistant's lines), held and
 * written together. On SQLite they go in the transaction that writes the turn's state (storage/StateStorage.ts
 * `rideWithTurnState`): no commit of their own. Not on PostgreSQL: there a transaction holding the state row
 * while it waits for a desk table can deadlock with an instance creating or upgrading the desk schema
 * (ensureDeskSchema locks the desk tables, then bot_state for its trigger); the two-instance chaos test hit it
 * before restarts stopped running that DDL. What is still held when the turn ends (all of it
 * on PostgreSQL, a turn that wrote no state, lines sent after the state was written, a state write that rolled
 * back) is written then, in one transaction; anything sent after that (the adapter's apology) at once.
 */
class TurnWrites implements StateRider {
  private pending: [sql: string, params: Param[]][] = [];
  /** Taken by a state transaction that has not committed yet. */
  private riding: [sql: string, params: Param[]][] = [];
  private flushed = false;
  /** Thrown away with its attempt: later lines of that attempt are not written either. */
  private discarded = false;

  /** `claim`: called before statements are written in a transaction of their own (storage/turnGuard.ts `claimTurn`). */
  constructor(readonly db: SqlStore, scope: TurnScope | undefined, private readonly claim: () => Promise<void>) {
    if (db.dialect === 'sqlite') rideWithTurnState(scope, this);
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    if (this.discarded) return 0;
    if (this.flushed) return this.db.run(sql, params);
    this.pending.push([sql, [...params]]);
    return 1;
  }

  async ride(tx: Queryable): Promise<void> {
    this.riding.push(...this.pending.splice(0));
    for (const [sql, params] of this.riding) await tx.run(sql, params);
  }

  committed(): void {
    this.riding = [];
  }

  /** Drops what is held: the attempt that wrote it was thrown away (turnClaim.ts `endsAttemptOnly`). */
  discard(): void {
    this.pending = [];
    this.riding = [];
    this.flushed = true;
    this.discarded = true;
  }

  async flush(): Promise<void> {
    if (this.flushed) return;
    this.flushed = true;
    const statements = [...this.riding, ...this.pending];
    this.riding = [];
    this.pending = [];
    // Written apart from the turn's state: the turn claims its activity first (a retry's run writes nothing twice).
    if (statements.length > 0) await this.claim();
    if (statements.length === 1) await this.db.run(...statements[0]!);
    else if (statements.length > 1) await this.db.transaction(async (tx) => { for (const [sql, params] of statements) await tx.run(sql, params); });
  }
}

export class DeskMiddleware implements Middleware {
  /** The flow each conversation is in (this instance), to count starts; tickets already counted. */
  private readonly flows = new Map<string, string>();
  private readonly ticketsSeen = new Set<string>();

  constructor(private readonly deps: { db: SqlStore; live: LiveDesk; metrics: Metrics; i18n: I18n; logger: Logger; now?: () => number }) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    if (context.turnState.get(DESK_SEND)) return next();
    const { live, metrics } = this.deps;
    const channelId = a.channelId ?? '';
    const conversationId = a.conversation?.id ?? '';
    const isMessage = a.type === 'message';
    const started = performance.now();
    const writes = new TurnWrites(this.deps.db, turnScopeOf(context), () => claimTurn(context));

    if (isMessage) {
      const feedback = feedbackOf(a);
      if (feedback) return this.onFeedback(context, feedback);
      metrics.turns.inc();
      await live.record(channelId, conversationId, 'user', null, a.text ?? '', writes);
      const held = await live.openFor(channelId, conversationId);
      // An agent has the conversation: the assistant says nothing, except to `help`.
      if (held?.status === 'active' && detectCommand(a.text ?? '', this.deps.i18n) !== 'help') return writes.flush();
    }

    let handoff: { reason?: string; ticketId?: string; summary?: string; locale?: string } | undefined;
    let decided = false;
    // Cleared when this attempt of the turn is thrown away: the guard runs the turn again (and this middleware
    // with it, adding a hook of its own), while this hook stays on the context.
    let attemptLive = true;
    context.onSendActivities(async (ctx, activities, sendNext) => {
      if (!attemptLive || ctx.turnState.get(DESK_SEND) || isReplayingTurn(ctx)) return sendNext();
      for (const out of activities) {
        if (out.type === 'event' && out.name === 'handoff.initiate') handoff = (out.value ?? {}) as typeof handoff;
        if (out.type !== 'message') continue;
        const meta = metaOf(out);
        if (isMessage && meta && !decided) decided = await this.onDecision(ctx, out, meta, writes);
        if (meta) this.countFlow(conversationId, meta);
      }
      const sent = await sendNext();
      for (const out of activities) {
        if (out.type === 'message') await live.record(channelId, conversationId, 'bot', null, out.text ?? '', writes);
      }
      return sent;
    });

    try {
      await next();
    } catch (error) {
      if (endsAttemptOnly(error)) {
        attemptLive = false;
        writes.discard();
      }
      throw error;
    } finally {
      await writes.flush();
    }
    if (handoff) {
      await claimTurn(context);
      await live.join(context, handoff).catch((error: unknown) => this.deps.logger.error('could not join the live queue', { error }));
    }
    if (isMessage) metrics.turnLatency.observe((performance.now() - started) / 1000);
  }

  /** Counts the decision; answers, clarifications and fallbacks become events (answers get feedback buttons). */
  private async onDecision(context: TurnContext, out: Partial<Activity>, meta: Meta, writes: TurnWrites): Promise<boolean> {
    // Small talk ("hi", "thanks") is answered with the menu: counted on its own, not something to improve.
    const kind = meta.kind === 'flow' || meta.flow ? 'flow' : meta.smallTalk ? 'smallTalk' : meta.kind;
    if (kind !== 'answer' && kind !== 'clarify' && kind !== 'fallback' && kind !== 'flow' && kind !== 'smallTalk') return false;
    this.deps.metrics.decisions.inc({ kind });
    if (kind === 'flow' || kind === 'smallTalk') return true;
    const a = context.activity;
    const locale: Locale = isLocale(meta.locale) ? meta.locale : 'en-US';
    // Time-ordered: the events index grows at its right edge (storage/ids.ts).
    const id = timeOrderedId(this.deps.now?.() ?? Date.now());
    await writes.run(
      'INSERT INTO desk_events (id, channel_id, conversation_id, locale, kind, passage_id, question, feedback, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)',
      [id, a.channelId ?? '', a.conversation?.id ?? '', locale, kind, meta.citations?.[0]?.id ?? null,
        maskPersonalData(a.text ?? '').slice(0, 500), iso(this.deps.now?.() ?? Date.now())]);
    if (kind === 'answer' && !isVoiceChannel(a.channelId)) {
      const t = translator(this.deps.i18n, locale, 'desk');
      const button = (helpful: boolean): CardAction => {
        const title = t(helpful ? 'feedback.helpful' : 'feedback.notHelpful');
        return { type: ActionTypes.MessageBack, title, text: title, displayText: title, value: { assistantFeedback: { event: id, helpful } } };
      };
      out.suggestedActions = { to: [], actions: [...(out.suggestedActions?.actions ?? []), button(true), button(false)] };
    }
    return true;
  }

  private countFlow(conversationId: string, meta: Meta): void {
    const { metrics } = this.deps;
    if (meta.flow && this.flows.get(conversationId) !== meta.flow) {
      if (this.flows.size >= MAX_REMEMBERED) this.flows.delete(this.flows.keys().next().value as string);
      this.flows.set(conversationId, meta.flow);
      metrics.flowStarts.inc({ flow: meta.flow });
    }
    if (meta.flow && meta.ticketId && !this.ticketsSeen.has(meta.ticketId)) {
      if (this.ticketsSeen.size >= MAX_REMEMBERED) this.ticketsSeen.clear();
      this.ticketsSeen.add(meta.ticketId);
      metrics.flowCompletions.inc({ flow: meta.flow });
      metrics.ticketsOpened.inc({ kind: meta.flow });
      this.flows.delete(conversationId);
    }
  }

  private async onFeedback(context: TurnContext, feedback: FeedbackValue['assistantFeedback']): Promise<void> {
    const value = feedback.helpful ? 'helpful' : 'notHelpful';
    // Only an answer of this conversation: an event id from elsewhere changes nothing.
    const row = await this.deps.db.get<{ locale: string }>('SELECT locale FROM desk_events WHERE id = ? AND conversation_id = ?',
      [feedback.event, context.activity.conversation?.id ?? '']);
    const locale: Locale = isLocale(row?.locale) ? row.locale : isLocale(context.activity.locale) ? context.activity.locale : 'en-US';
    if (row) {
      await this.deps.db.run('UPDATE desk_events SET feedback = ? WHERE id = ?', [value, feedback.event]);
      this.deps.metrics.feedback.inc({ value });
    }
    const t = this.deps.i18n.getFixedT(locale, 'desk');
    await context.sendActivity({ type: 'message', text: t(feedback.helpful ? 'feedback.thanks' : 'feedback.sorry'), locale,
      channelData: { assistant: { kind: 'info', locale } } });
  }
}
