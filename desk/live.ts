/**
 * Live handoff. A conversation whose bot sent `handoff.initiate` joins the
 * live queue with its transcript and ticket; an agent takes it and types, and
 * the user gets the agent's messages in the local Web Chat (appended to the
 * Direct Line transcript) or on any Bot Framework channel (a proactive message
 * with the stored conversation reference), marked as from a person. While an
 * agent holds the conversation the bot stays quiet (desk/middleware.ts); the
 * agent hands back and the bot says so. Nobody takes it within the timeout, or
 * the desk is closed: the user is told so, and a ticket keeps the request.
 */
import { randomUUID } from 'node:crypto';
import { TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { AssistantAdapter } from '../bot/adapter.js';
import type { DeskConfig } from '../config/config.js';
import type { I18n } from '../i18n/i18n.js';
import { isLocale, type Locale } from '../i18n/locale.js';
import type { Logger } from '../logging/logger.js';
import { maskPersonalData } from '../privacy/mask.js';
import { iso, type SqlStore } from '../storage/sql.js';
import type { TicketStore } from '../tickets/TicketStore.js';
import { DirectLineStore } from '../web/directline/store.js';
import { isOpen } from './hours.js';
import type { Metrics } from './metrics.js';

export type HandoffStatus = 'waiting' | 'active' | 'ended' | 'missed' | 'closedHours';

export interface Handoff {
  readonly id: string;
  readonly channelId: string;
  readonly conversationId: string;
  readonly locale: Locale;
  readonly reason: string;
  readonly ticketId: string | null;
  readonly summary: string | null;
  readonly status: HandoffStatus;
  readonly agent: string | null;
  readonly createdAt: string;
  readonly takenAt: string | null;
  readonly endedAt: string | null;
}

export interface TranscriptLine { readonly id: number; readonly role: 'user' | 'bot' | 'agent'; readonly name: string | null; readonly text: string; readonly at: string }

interface HandoffRow {
  id: string; channel_id: string; conversation_id: string; reference: string; locale: string; reason: string; ticket_id: string | null;
  summary: string | null; status: string; agent: string | null; created_at: string; taken_at: string | null; ended_at: string | null;
}

const toHandoff = (r: HandoffRow): Handoff => ({
  id: r.id, channelId: r.channel_id, conversationId: r.conversation_id, locale: isLocale(r.locale) ? r.locale : 'en-US', reason: r.reason,
  ticketId: r.ticket_id, summary: r.summary, status: r.status as HandoffStatus, agent: r.agent, createdAt: r.created_at, takenAt: r.taken_at, endedAt: r.ended_at,
});

/** Set on a proactive turn's state: what the desk sends it records itself. */
export const DESK_SEND = Symbol('desk.send');
const BOT = { id: 'buygogo-assistant', name: 'Buygogo', role: 'bot' };

export class DeskConflict extends Error {}
/** The user's channel could not be reached: the agent must not be told the message went out. */
export class DeskNotDelivered extends Error {}

const TRANSCRIPT_INSERT = 'INSERT INTO desk_transcript (channel_id, conversation_id, role, name, text, at) VALUES (?, ?, ?, ?, ?, ?)';

export interface LiveDeskDeps {
  readonly db: SqlStore;
  readonly adapter: AssistantAdapter;
  readonly appId: string;
  readonly i18n: I18n;
  readonly desk: DeskConfig;
  readonly tickets: TicketStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class LiveDesk {
  private readonly dl: DirectLineStore;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly deps: LiveDeskDeps) {
    this.dl = new DirectLineStore(deps.db);
  }

  private now(): number { return this.deps.now?.() ?? Date.now(); }

  /** Checks the waiting queue for timeouts every second. */
  start(): void {
    this.timer = setInterval(() => { void this.tick(); }, 1000);
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); }

  /** Appends a line to the conversation's desk transcript, masked; through `writes` when given (written with the turn). */
  async record(channelId: string, conversationId: string, role: TranscriptLine['role'], name: string | null, text: string,
    writes: Pick<SqlStore, 'run'> = this.deps.db): Promise<void> {
    if (!text.trim()) return;
    await writes.run(TRANSCRIPT_INSERT, [channelId, conversationId, role, name, maskPersonalData(text).slice(0, 4000), iso(this.now())]);
  }

  async transcript(conversationId: string, afterId = 0): Promise<TranscriptLine[]> {
    const rows = await this.deps.db.all<TranscriptLine>(
      'SELECT id, role, name, text, at FROM desk_transcript WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT 500', [conversationId, afterId]);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** The handoff a conversation is in (waiting or held by an agent), if any. */
  async openFor(channelId: string, conversationId: string): Promise<Handoff | undefined> {
    const row = await this.deps.db.get<HandoffRow>(
      `SELECT * FROM desk_handoffs WHERE channel_id = ? AND conversation_id = ? AND status IN ('waiting', 'active') ORDER BY created_at DESC LIMIT 1`,
      [channelId, conversationId]);
    return row ? toHandoff(row) : undefined;
  }

  async get(id: string): Promise<Handoff | undefined> {
    const row = await this.deps.db.get<HandoffRow>('SELECT * FROM desk_handoffs WHERE id = ?', [id]);
    return row ? toHandoff(row) : undefined;
  }

  /** The live queue: waiting (oldest first), then held; plus the last ones that ended. */
  async list(): Promise<Handoff[]> {
    const rows = await this.deps.db.all<HandoffRow>(
      `SELECT * FROM desk_handoffs WHERE status IN ('waiting', 'active') ORDER BY CASE status WHEN 'waiting' THEN 0 ELSE 1 END, created_at LIMIT 200`);
    return rows.map(toHandoff);
  }

  async recent(limit = 20): Promise<Handoff[]> {
    const rows = await this.deps.db.all<HandoffRow>(`SELECT * FROM desk_handoffs WHERE status NOT IN ('waiting', 'active') ORDER BY created_at DESC LIMIT ?`, [limit]);
    return rows.map(toHandoff);
  }

  async waitingCount(): Promise<number> {
    return Number((await this.deps.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM desk_handoffs WHERE status = 'waiting'`))?.n ?? 0);
  }

  /** Called at the end of a turn whose bot sent `handoff.initiate`. */
  async join(context: TurnContext, value: { reason?: string; ticketId?: string; summary?: string; locale?: string }): Promise<void> {
    const a = context.activity;
    const channelId = a.channelId ?? '';
    const conversationId = a.conversation?.id ?? '';
    const locale: Locale = isLocale(value.locale) ? value.locale : 'en-US';
    const existing = await this.openFor(channelId, conversationId);
    if (existing) {
      if (value.ticketId && !existing.ticketId) await this.deps.db.run('UPDATE desk_handoffs SET ticket_id = ? WHERE id = ?', [value.ticketId, existing.id]);
      return;
    }
    const id = randomUUID();
    const reference = TurnContext.getConversationReference(a);
    const open = isOpen(this.deps.desk.hours, this.deps.desk.timeZone, new Date(this.now()));
    await this.deps.db.run(
      `INSERT INTO desk_handoffs (id, channel_id, conversation_id, reference, locale, reason, ticket_id, summary, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, channelId, conversationId, JSON.stringify(reference), locale, value.reason ?? 'userRequested', value.ticketId ?? null,
        value.summary ? maskPersonalData(value.summary) : null, open ? 'waiting' : 'closedHours', iso(this.now())]);
    this.deps.metrics.handoffs.inc({ outcome: 'requested' });
    if (open) return;
    this.deps.metrics.handoffs.inc({ outcome: 'closedHours' });
    const ticketId = await this.keepRequest((await this.get(id))!);
    const t = this.deps.i18n.getFixedT(locale, 'desk');
    await context.sendActivity(this.botMessage(locale, t('live.closed', { hours: this.deps.desk.hours, ticket: ticketId })));
  }

  /** An agent takes a waiting conversation. */
  async take(id: string, agent: string): Promise<Handoff> {
    const changed = await this.deps.db.run(`UPDATE desk_handoffs SET status = 'active', agent = ?, taken_at = ? WHERE id = ? AND status = 'waiting'`,
      [agent, iso(this.now()), id]);
    const handoff = await this.get(id);
    if (!handoff) throw new DeskConflict('not_found');
    if (changed !== 1) throw new DeskConflict(handoff.status === 'active' ? 'taken' : 'not_waiting');
    this.deps.metrics.handoffs.inc({ outcome: 'taken' });
    const t = this.deps.i18n.getFixedT(handoff.locale, 'desk');
    await this.deliver(handoff, this.botMessage(handoff.locale, t('live.joined', { name: agent })), 'bot');
    return handoff;
  }

  /** The agent's message to the user, marked as from a person. */
  async say(id: string, agent: string, text: string): Promise<void> {
    const handoff = await this.held(id, agent);
    const t = this.deps.i18n.getFixedT(handoff.locale, 'desk');
    const name = t('live.agentName', { name: agent });
    await this.deliver(handoff, {
      type: 'message', text: t('live.agentSays', { name, text }), locale: handoff.locale, inputHint: 'acceptingInput',
      from: { id: `agent:${agent}`, name, role: 'bot' } as Activity['from'],
      channelData: { assistant: { kind: 'agent', locale: handoff.locale, agent } },
    }, 'agent', name, text);
  }

  /** The agent hands the conversation back to the assistant, which says so. */
  async handBack(id: string, agent: string): Promise<void> {
    const handoff = await this.held(id, agent);
    // Two hand-backs at once (a double click, two tabs) both pass `held`: only the one that ends it speaks and counts.
    const changed = await this.deps.db.run(`UPDATE desk_handoffs SET status = 'ended', ended_at = ? WHERE id = ? AND status = 'active' AND agent = ?`, [iso(this.now()), id, agent]);
    if (changed !== 1) throw new DeskConflict('not_yours');
    this.deps.metrics.handoffs.inc({ outcome: 'handedBack' });
    const t = this.deps.i18n.getFixedT(handoff.locale, 'desk');
    await this.deliver(handoff, this.botMessage(handoff.locale, t('live.handedBack')), 'bot');
  }

  /** Waiting conversations past the timeout: the user is told, and a ticket keeps the request. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const before = iso(this.now() - this.deps.desk.handoffTimeoutSeconds * 1000);
      const rows = await this.deps.db.all<HandoffRow>(`SELECT * FROM desk_handoffs WHERE status = 'waiting' AND created_at < ? LIMIT 50`, [before]);
      for (const row of rows) {
        // One instance wins each: the others see no change.
        const won = await this.deps.db.run(`UPDATE desk_handoffs SET status = 'missed', ended_at = ? WHERE id = ? AND status = 'waiting'`, [iso(this.now()), row.id]);
        if (won !== 1) continue;
        this.deps.metrics.handoffs.inc({ outcome: 'missed' });
        const handoff = toHandoff(row);
        const ticketId = await this.keepRequest(handoff);
        const t = this.deps.i18n.getFixedT(handoff.locale, 'desk');
        await this.deliver(handoff, this.botMessage(handoff.locale, t('live.noAgent', { minutes: Math.ceil(this.deps.desk.handoffTimeoutSeconds / 60), ticket: ticketId })), 'bot')
          .catch((error: unknown) => this.deps.logger.warn('could not tell the user no agent was free', { error }));
      }
    } catch (error) {
      this.deps.logger.error('handoff timeout check failed', { error });
    } finally {
      this.ticking = false;
    }
  }

  private async held(id: string, agent: string): Promise<Handoff> {
    const handoff = await this.get(id);
    if (!handoff) throw new DeskConflict('not_found');
    if (handoff.status !== 'active' || handoff.agent !== agent) throw new DeskConflict('not_yours');
    return handoff;
  }

  /** The handoff's ticket, or a new call-back ticket that keeps the request. */
  private async keepRequest(handoff: Handoff): Promise<string> {
    if (handoff.ticketId) return handoff.ticketId;
    const ticket = await this.deps.tickets.open({
      kind: 'callback', priority: 'normal', locale: handoff.locale, conversationId: handoff.conversationId,
      fields: { reason: handoff.reason, channel: handoff.channelId, ...(handoff.summary ? { summary: handoff.summary } : {}) },
      idempotencyKey: `handoff:${handoff.id}`,
    });
    this.deps.metrics.ticketsOpened.inc({ kind: 'callback' });
    await this.deps.db.run('UPDATE desk_handoffs SET ticket_id = ? WHERE id = ?', [ticket.id, handoff.id]);
    return ticket.id;
  }

  private botMessage(locale: Locale, text: string): Partial<Activity> {
    return { type: 'message', text, locale, inputHint: 'acceptingInput', channelData: { assistant: { kind: 'info', locale } } } as Partial<Activity>;
  }

  /**
   * To the user, wherever they are: the local Direct Line transcript for the web page, a proactive
   * message through the adapter for every other channel.
   */
  private async deliver(handoff: Handoff, activity: Partial<Activity>, role: TranscriptLine['role'], name: string | null = null, said = activity.text ?? ''): Promise<void> {
    if (await this.dl.exists(handoff.conversationId)) {
      await this.dl.append(handoff.conversationId, [{ from: BOT as Activity['from'], ...activity, timestamp: new Date() }]);
    } else {
      const row = await this.deps.db.get<{ reference: string }>('SELECT reference FROM desk_handoffs WHERE id = ?', [handoff.id]);
      const reference = JSON.parse(row!.reference) as ConversationReference;
      // The adapter's turn-error handler would swallow a failed send (and log "turn failed"): it is caught here.
      let failure: unknown;
      await this.deps.adapter.continueConversationAsync(this.deps.appId, reference, async (context) => {
        context.turnState.set(DESK_SEND, true);
        try {
          await context.sendActivity(activity);
        } catch (error) {
          failure = error;
        }
      });
      if (failure !== undefined) {
        this.deps.logger.warn('a desk message could not reach the user', { error: failure, channel: handoff.channelId });
        throw new DeskNotDelivered('not_delivered');
      }
    }
    await this.record(handoff.channelId, handoff.conversationId, role, name, said);
  }
}
