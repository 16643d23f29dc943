/**
 * Middleware that makes a turn safe to run on several instances and to receive
 * twice:
 *
 * - Channel retries: a channel resends an activity (same `id`, same
 *   conversation) after a timeout or a crash. The first arrival claims the id
 *   in `processed_activities`; its replies are stored with it. A retry gets the
 *   same replies again and never runs the bot (no flow advances twice, no
 *   second ticket). A retry arriving while the first is still running waits
 *   for it. The instance running a turn renews its claim every `heartbeatMs`,
 *   so a claim left by a killed instance goes stale within `staleMs` and is
 *   taken over, while a slow turn on a live instance keeps its own.
 * - The replies are marked done in the same transaction as the turn's state
 *   write: a crash after the state was saved gets its retry the stored replies,
 *   never a second run of the message on the state it already advanced.
 * - Optimistic concurrency: the turn runs in a state scope (StateStorage.ts),
 *   so its state write fails if another instance changed the state meanwhile.
 *   The turn is then run once more on fresh state when nothing has left the
 *   process yet (expectReplies: the buffered replies are dropped); otherwise,
 *   or on a second conflict, the error surfaces (the adapter apologises, and
 *   the claim is released so the channel's retry can run the turn again).
 *
 * Register it after the reply-contract middleware, so the replies it stores
 * are the stamped ones.
 */
import { ActivityTypes, DeliveryModes, type Activity, type Middleware, type TurnContext } from 'botbuilder';
import type { Logger } from '../logging/logger.js';
import { iso, type Queryable, type SqlStore } from './sql.js';
import { StateConflictError, TURN_SCOPE, createTurnScope } from './StateStorage.js';
import { AlreadyProcessedError, markReplaying, offerTurnClaim } from './turnClaim.js';

export interface TurnGuardOptions {
  /** How long a retry waits for the first arrival to finish before giving up (answering nothing). */
  readonly waitMs: number;
  /** A claim not renewed for this long, not finished, is taken to belong to a crashed instance. */
  readonly staleMs: number;
  /** How often the instance running a turn renews its claim. */
  readonly heartbeatMs: number;
}

export const TURN_GUARD_DEFAULTS: TurnGuardOptions = Object.freeze({ waitMs: 15_000, staleMs: 10_000, heartbeatMs: 2_000 });

type Key = [channelId: string, conversationId: string, activityId: string];
type Claim = { kind: 'run'; claimedAt: string } | { kind: 'replay'; replies: Partial<Activity>[] };

// Invokes answer through an invoke response, not activities; typing and traces are not worth a row.
const NOT_DEDUPED = new Set<string>([ActivityTypes.Invoke, ActivityTypes.Typing, ActivityTypes.Trace]);
const WHERE_KEY = 'channel_id = ? AND conversation_id = ? AND activity_id = ?';

export function dedupeKey(activity: Partial<Activity>): Key | undefined {
  if (!activity.id || !activity.conversation?.id || !activity.type || NOT_DEDUPED.has(activity.type)) return undefined;
  return [activity.channelId ?? '', activity.conversation.id, activity.id];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TurnGuardMiddleware implements Middleware {
  private readonly options: TurnGuardOptions;
  /** Guarded turns running in this process now. */
  private inFlight = 0;

  constructor(private readonly db: SqlStore, private readonly logger: Logger, options: Partial<TurnGuardOptions> = {}) {
    this.options = { ...TURN_GUARD_DEFAULTS, ...options };
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const key = dedupeKey(context.activity);
    if (!key) {
      context.turnState.set(TURN_SCOPE, createTurnScope());
      return next();
    }

    // The claim is taken late: with the turn's state (one commit), or before the first effect the state
    // transaction does not cover, whichever comes first (`claimTurn`). Most turns (an answer, a flow step) have
    // none and commit once. A second run of the activity meanwhile (a channel's retry, here or on another
    // instance) finds it claimed or done at that point: its own work is in a transaction that rolls back, and it
    // answers with the replies of the run that won, waiting for them if that run is still going.
    let claimedAt: string | undefined;
    let replay: Claim | undefined;
    let heartbeat: { stop(): void } | undefined;
    const hold = (at: string): void => {
      claimedAt = at;
      heartbeat = this.heartbeat(key, at);
    };
    const claimNow = async (): Promise<void> => {
      if (replay) throw new AlreadyProcessedError();
      if (claimedAt !== undefined) return;
      const claim = await this.claim(key);
      if (claim.kind === 'replay') {
        replay = claim;
        throw new AlreadyProcessedError();
      }
      hold(claim.claimedAt);
    };
    offerTurnClaim(context, claimNow);

    // Each reply as JSON when it is sent (a snapshot: later changes to the object are not stored).
    const sent: string[] = [];
    let leftProcess = false;
    context.onSendActivities(async (ctx, activities, sendNext) => {
      const leaving = ctx.activity.deliveryMode !== DeliveryModes.ExpectReplies && activities.length > 0;
      // A reply that leaves the process cannot be taken back: the activity is claimed before it goes.
      if (leaving && !replay) await claimNow();
      for (const a of activities) if (a.type !== ActivityTypes.Trace) sent.push(JSON.stringify(a));
      if (leaving) leftProcess = true;
      return sendNext();
    });

    // Marks the activity done with the replies so far: with the state write (same transaction), and after the turn
    // if the turn wrote no state or sent more after writing it. Not claimed yet, the row is made at once, done; a
    // row already there means another run has the activity, and this run's transaction rolls back.
    let markedWith: number | undefined;
    const markDone = async (q: Queryable): Promise<void> => {
      const count = sent.length;
      const replies = `[${sent.join(',')}]`;
      if (claimedAt === undefined) {
        const now = iso();
        const made = await q.run(
          `INSERT INTO processed_activities (channel_id, conversation_id, activity_id, status, replies, claimed_at, updated_at)
           VALUES (?, ?, ?, 'done', ?, ?, ?) ON CONFLICT DO NOTHING`, [...key, replies, now, now]);
        if (made !== 1) throw new AlreadyProcessedError();
        claimedAt = now;
      } else {
        // updated_at stays the claim's time: retention needs no more precision, and leaving it alone spares the
        // updated_at index a delete and an insert on every turn's commit.
        await q.run(`UPDATE processed_activities SET status = 'done', replies = ? WHERE ${WHERE_KEY}`, [replies, ...key]);
      }
      markedWith = count;
    };
    const before = new Map(context.turnState);
    const run = async (): Promise<void> => {
      // The turn's state scope travels in its turn state (the state classes hand it to the storage).
      context.turnState.set(TURN_SCOPE, createTurnScope({ beforeCommit: markDone }));
      await next();
      if (markedWith !== sent.length) await markDone(this.db);
    };
    // Runs the turn again from the start: what the attempt before buffered and cached is dropped.
    const reset = (): void => {
      context.bufferedReplyActivities.splice(0);
      sent.splice(0);
      markedWith = undefined;
      context.turnState.clear();
      for (const [k, v] of before) context.turnState.set(k, v);
    };

    let conflicts = 0;
    this.inFlight++;
    try {
      // Alone, a turn saves a commit by claiming with its state. With other turns in flight it claims first, as
      // their claims do: commits asked for together are shared (commitGroup.ts), and turns that begin with one
      // stay in step, so their state writes share the next (npm run load, 8 connections: 0.61 of the echo bot
      // claiming first, 0.49-0.52 claiming late; at 1 connection late claims gain 4-8%).
      if (this.inFlight > 1) await claimNow().catch((error: unknown) => { if (!(error instanceof AlreadyProcessedError)) throw error; });
      for (;;) {
        if (replay) break;
        try {
          await run();
          break;
        } catch (error) {
          if (error instanceof AlreadyProcessedError || (error instanceof StateConflictError && claimedAt === undefined && await this.hasRow(key))) {
            // Another run has this activity: its replies, once it is done (or the claim, if it died meanwhile).
            const claim = replay ?? await this.claim(key);
            if (claim.kind === 'replay') {
              replay = claim;
              break;
            }
            hold(claim.claimedAt);
          } else if (error instanceof StateConflictError && !leftProcess && conflicts++ === 0) {
            this.logger.warn('state changed by another request during the turn; running it again', { key: error.key });
          } else {
            throw error;
          }
          reset();
          // The write that won may still be waiting for its group's commit; the fresh read must see it.
          await this.db.settled?.();
        }
      }
    } catch (error) {
      // Let the channel's retry run the turn again.
      if (claimedAt !== undefined) {
        await this.db.run(`DELETE FROM processed_activities WHERE ${WHERE_KEY} AND status = 'processing'`, key).catch(() => undefined);
      }
      throw error;
    } finally {
      this.inFlight--;
      heartbeat?.stop();
    }
    if (replay?.kind === 'replay') await this.answerFrom(context, replay.replies);
  }

  /** Whether some run has claimed or finished this activity (what committed so far). */
  private async hasRow(key: Key): Promise<boolean> {
    await this.db.settled?.();
    return (await this.db.get(`SELECT 1 AS found FROM processed_activities WHERE ${WHERE_KEY}`, key)) !== undefined;
  }

  /** Answers with the replies of the run that processed the activity (nothing of this run's has left the process). */
  private async answerFrom(context: TurnContext, replies: Partial<Activity>[]): Promise<void> {
    context.bufferedReplyActivities.splice(0);
    markReplaying(context);
    this.logger.info('channel retry answered from the first run', { activityType: context.activity.type });
    if (replies.length > 0) await context.sendActivities(replies.map(({ id: _id, replyToId: _r, ...reply }) => reply));
  }

  /** Renews the claim while the turn runs (compare-and-set: a claim another instance took over is left alone). */
  private heartbeat(key: Key, claimedAt: string): { stop(): void } {
    let mine = claimedAt;
    const timer = setInterval(() => {
      const now = iso();
      this.db.run(`UPDATE processed_activities SET claimed_at = ?, updated_at = ? WHERE ${WHERE_KEY} AND status = 'processing' AND claimed_at = ?`,
        [now, now, ...key, mine])
        .then((renewed) => { if (renewed === 1) mine = now; else clearInterval(timer); })
        .catch((error: unknown) => this.logger.warn('could not renew the claim on a turn', { error }));
    }, this.options.heartbeatMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  private async claim(key: Key): Promise<Claim> {
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const now = iso();
      const inserted = await this.db.run(
        `INSERT INTO processed_activities (channel_id, conversation_id, activity_id, status, claimed_at, updated_at)
         VALUES (?, ?, ?, 'processing', ?, ?) ON CONFLICT DO NOTHING`, [...key, now, now]);
      if (inserted === 1) return { kind: 'run', claimedAt: now };
      const row = await this.db.get<{ status: string; replies: string | null; claimed_at: string }>(
        `SELECT status, replies, claimed_at FROM processed_activities WHERE ${WHERE_KEY}`, key);
      if (!row) continue; // released by a failed first run: claim it again
      if (row.status === 'done') return { kind: 'replay', replies: JSON.parse(row.replies ?? '[]') as Partial<Activity>[] };
      if (row.claimed_at < iso(Date.now() - this.options.staleMs)) {
        const taken = await this.db.run(`UPDATE processed_activities SET claimed_at = ?, updated_at = ? WHERE ${WHERE_KEY} AND status = 'processing' AND claimed_at = ?`,
          [now, now, ...key, row.claimed_at]);
        if (taken === 1) return { kind: 'run', claimedAt: now };
        continue;
      }
      if (Date.now() > deadline) {
        this.logger.warn('channel retry still being processed elsewhere; not answered twice', {});
        return { kind: 'replay', replies: [] };
      }
      await sleep(100);
    }
  }
}
