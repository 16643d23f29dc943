/**
 * kill -9 chaos on two instances sharing one PostgreSQL schema, behind a
 * round-robin proxy with no sticky sessions (each user's next turn goes to the
 * other instance), with a local helpdesk webhook. Robot users keep arriving
 * and walk through all three guided flows (leak report, data request, minor
 * consent) in English and Chinese over POST /api/messages. Instance 0 is
 * killed with SIGKILL while it holds requests, instance 1 serves alone, instance
 * 0 starts again on the same schema; once it answers, instance 1 is killed the
 * same way for good and instance 0 serves alone to the end. A robot re-sends a
 * request that got no answer with the same activity id, as Bot Framework
 * channels do (the proxy sends it to the live instance); a turn the killed
 * instance had claimed is taken over once its claim goes stale (turnGuard.ts).
 *
 * Afterwards: every robot has completed its flow, each answer at the step it
 * should bring; the database holds exactly one ticket per robot (none lost,
 * none doubled); the helpdesk received each ticket exactly once; no user saw
 * the "something went wrong" apology (a state conflict or any other failed turn).
 * Needs TEST_DATABASE_URL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { tempDataDir, type Reply } from '../support.js';
import { startHelpdesk, type LocalHelpdesk } from '../helpdesk.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../proxy.js';
import { ROBOT_SCRIPTS, type RobotScript } from '../robots.js';
import { postgresKind, SKIPPED_NO_POSTGRES, TEST_DATABASE_URL, type StoreLocation } from '../storage/stores.js';
import { freePort, startServerProcess, type ServerProcess } from './serverProcess.js';

describe.skipIf(TEST_DATABASE_URL !== '')('kill -9 on one of two instances', () => {
  it(SKIPPED_NO_POSTGRES, () => { expect(TEST_DATABASE_URL).toBe(''); });
});

/** A new robot user arrives this often while the chaos runs (cycling through the six scripts). */
const ARRIVAL_MS = 400;
/** At least this many robots (two of each script), however fast the chaos is over. */
const MIN_ROBOTS = 12;
/** How long a robot reads before it answers. */
const THINK_MS = [80, 250] as const;
/** A robot gives up on a turn (and the test fails) after this long without an answer. */
const TURN_DEADLINE_MS = 30_000;
const APOLOGIES = [/something went wrong/i, /出了点问题/];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const until = async (condition: () => boolean, ms: number, what: string): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
};

interface Robot {
  readonly n: number;
  readonly script: RobotScript;
  readonly conversationId: string;
  /** The step each answer was at, in order. */
  readonly steps: (string | undefined)[];
  /** What each answer was (for a failure to show). */
  readonly answers: string[];
  ticketId?: string;
  /** Requests sent again with the same activity id (no answer: 502, refused, or an empty 200). */
  resends: number;
  apologies: string[];
  error?: string;
}

describe.runIf(TEST_DATABASE_URL !== '')('kill -9 on one of two instances on one PostgreSQL, behind a round-robin proxy', () => {
  let loc: StoreLocation | undefined;
  let helpdesk: LocalHelpdesk | undefined;
  let proxy: RoundRobinProxy | undefined;
  const servers: (ServerProcess | undefined)[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => s?.kill9()));
    await proxy?.close();
    await helpdesk?.close();
    await loc?.dispose();
  });

  it('every robot completes its flow in both languages: one ticket each, each delivered once, no apology', async () => {
    const started = Date.now();
    loc = postgresKind.location();
    helpdesk = await startHelpdesk();
    const ports = [await freePort(), await freePort()];
    const envFor = (i: number): Record<string, string> => ({
      ...loc!.env, PORT: String(ports[i]), DATA_DIR: tempDataDir(), LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '100000',
      HELPDESK_WEBHOOK_URL: helpdesk!.url, DIRECT_LINE_TOKEN_SECRET: 'one-secret-for-every-instance-0123456789abcdef',
    });
    const launched: ServerProcess[] = [];
    const launch = async (i: number): Promise<void> => {
      servers[i] = await startServerProcess(envFor(i));
      launched.push(servers[i]!);
    };
    // Starting together on a new schema, they migrate it one after the other.
    await Promise.all([launch(0), launch(1)]);
    proxy = await startRoundRobinProxy(ports.map((p) => `http://127.0.0.1:${p}`));
    const lb = proxy;
    const ready = Date.now();

    // A robot sends each turn until it is answered, with the same activity id each time.
    const runId = Date.now().toString(36);
    // `sentAt` is when the answered attempt left the robot, `at` when its answer was read: an
    // answer an instance finished just before its SIGKILL can be read after the kill began.
    const answered: { instance: number; sentAt: number; at: number }[] = [];
    /** How long each turn that needed a resend took to be answered (ms). */
    const retriedTurns: number[] = [];
    const send = async (robot: Robot, turn: number, text: string): Promise<Reply[]> => {
      const activity = {
        type: 'message', id: `${robot.conversationId}-t${turn}`, text, locale: robot.script.locale, deliveryMode: 'expectReplies',
        channelId: 'chaos', serviceUrl: 'http://localhost/chaos', conversation: { id: robot.conversationId },
        from: { id: `robot-${robot.n}`, name: 'Robot' }, recipient: { id: 'bot', name: 'Assistant' },
      };
      const first = Date.now();
      const deadline = first + TURN_DEADLINE_MS;
      for (let attempt = 0; ; attempt++) {
        const sentAt = Date.now();
        try {
          const res = await fetch(`${lb.url}/api/messages`, {
            method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity),
            signal: AbortSignal.timeout(TURN_DEADLINE_MS),
          });
          const body = res.status === 200 ? ((await res.json()) as { activities?: Reply[] }) : undefined;
          const replies = body?.activities ?? [];
          if (replies.some((r) => r.type === 'message')) {
            answered.push({ instance: Number(res.headers.get('x-instance')), sentAt, at: Date.now() });
            if (attempt > 0) retriedTurns.push(Date.now() - first);
            return replies;
          }
        } catch {
          // the instance died mid-answer: the proxy dropped the connection
        }
        if (Date.now() > deadline) throw new Error(`turn ${turn} ("${text}") got no answer in ${TURN_DEADLINE_MS} ms`);
        robot.resends += 1;
        await sleep(100);
      }
    };

    const robots: Robot[] = [];
    const runRobot = async (robot: Robot): Promise<void> => {
      try {
        for (const [turn, [text]] of robot.script.turns.entries()) {
          await sleep(THINK_MS[0] + Math.random() * (THINK_MS[1] - THINK_MS[0]));
          const replies = await send(robot, turn, text);
          for (const r of replies) if (APOLOGIES.some((a) => a.test(r.text ?? ''))) robot.apologies.push(r.text ?? '');
          const meta = replies.filter((r) => r.channelData?.assistant).at(-1)?.channelData?.assistant;
          robot.steps.push(meta?.step);
          robot.answers.push(`${meta?.kind}/${meta?.flow}/${meta?.step}: ${replies.filter((r) => r.type === 'message').map((r) => r.text?.slice(0, 60)).join(' | ')}`);
          if (meta?.ticketId) robot.ticketId = meta.ticketId;
        }
      } catch (error) {
        robot.error = (error as Error).message;
      }
    };

    // Robots keep arriving until the chaos is over.
    let chaosOver = false;
    const running: Promise<void>[] = [];
    const arrivals = (async () => {
      for (let n = 0; !chaosOver || robots.length < MIN_ROBOTS; n++) {
        const script = ROBOT_SCRIPTS[n % ROBOT_SCRIPTS.length]!;
        const robot: Robot = { n, script, conversationId: `chaos2-${runId}-${n}`, steps: [], answers: [], resends: 0, apologies: [] };
        robots.push(robot);
        running.push(runRobot(robot));
        await sleep(ARRIVAL_MS);
      }
    })();

    // SIGKILL an instance while it holds requests (the proxy has them in flight to it).
    // `at` is when the signal was sent, `gone` when the process had exited.
    const kills: { instance: number; at: number; gone: number; inFlight: number }[] = [];
    const killWhenBusy = async (instance: number): Promise<void> => {
      await until(() => lb.inFlight[instance]! > 0, 10_000, `a request in flight on instance ${instance}`);
      const kill = { instance, at: Date.now(), gone: 0, inFlight: lb.inFlight[instance]! };
      kills.push(kill);
      await servers[instance]!.kill9();
      kill.gone = Date.now();
    };
    // Instance 0 dies and is started again on the same port and schema; instance 1 serves alone meanwhile.
    await sleep(1500);
    await killWhenBusy(0);
    await sleep(300);
    const relaunching = Date.now(); // the new process cannot answer before it has started
    await launch(0);
    const restarted = Date.now();
    // Once the restarted instance 0 answers, instance 1 dies for good: instance 0 serves alone to the end.
    await until(() => answered.some((a) => a.instance === 0 && a.at > restarted), 10_000, 'an answer from the restarted instance');
    await killWhenBusy(1);
    await sleep(1500);
    chaosOver = true;
    await arrivals;
    await Promise.all(running);
    const robotsDone = Date.now();

    // The database: exactly one ticket per robot, of its flow.
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    const schema = loc.env.DATABASE_SCHEMA!;
    const ticketRows = async () => (await db.query<{ id: string; conversation_id: string; kind: string }>(
      `SELECT id, conversation_id, kind FROM ${schema}.tickets`)).rows;
    const pending = async () => Number((await db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.outbox WHERE delivered_at IS NULL`)).rows[0]!.n);

    // The outbox: every row delivered (a row claimed by a killed worker comes due again after its claim timeout).
    const outboxDeadline = Date.now() + 25_000;
    while ((await pending()) > 0 && Date.now() < outboxDeadline) await sleep(200);
    const pendingLeft = await pending(); // 0: every row is marked delivered, so no worker will send anything again
    const rows = await ticketRows();
    await db.end();
    const postsOf = new Map<string, typeof helpdesk.deliveries>();
    for (const d of helpdesk.deliveries) postsOf.set(d.ticketId, [...(postsOf.get(d.ticketId) ?? []), d]);
    const resent = [...postsOf.values()].filter((posts) => posts.length > 1);

    const report = {
      robots: robots.length, kills: kills.map((k) => ({ instance: k.instance, atMs: k.at - ready, inFlight: k.inFlight })),
      resends: robots.reduce((n, r) => n + r.resends, 0), retriedTurnsMs: retriedTurns, tickets: rows.length, webhookPosts: helpdesk.deliveries.length, resentAfterKill: resent.length,
      startMs: ready - started, robotsMs: robotsDone - ready, totalMs: Date.now() - started,
    };
    console.log(`two instances, kill -9: ${JSON.stringify(report)}`);
    for (const r of robots.filter((x) => x.error || x.steps.join() !== x.script.turns.map(([, step]) => step).join())) {
      console.log(r.conversationId, r.script.flow, r.script.locale, r.error ?? '', JSON.stringify(r.answers, null, 1));
    }
    const serverLog = launched.flatMap((s) => s.stderr).join('').split('\n').filter((l) => l.trim());
    if (serverLog.length) console.log(serverLog.slice(0, 20).join('\n'));

    // Both kills hit requests in flight; the restarted instance took turns, alone after the other died.
    expect(kills.map((k) => k.instance)).toEqual([0, 1]);
    // Judged by when a request was sent: sent after an instance was gone, it must be answered by the other.
    const whileZeroWasDown = answered.filter((a) => a.sentAt > kills[0]!.gone && a.sentAt < relaunching);
    expect(whileZeroWasDown.length).toBeGreaterThan(0);
    expect(whileZeroWasDown.filter((a) => a.instance !== 1)).toEqual([]);
    const afterOneDied = answered.filter((a) => a.sentAt > kills[1]!.gone);
    expect(afterOneDied.length).toBeGreaterThan(0);
    expect(afterOneDied.filter((a) => a.instance !== 0)).toEqual([]);

    // Every robot completed its flow, each answer at the step it should bring.
    expect(robots.filter((r) => r.error).map((r) => `${r.conversationId}: ${r.error}`)).toEqual([]);
    for (const r of robots) {
      expect(r.steps, `${r.conversationId} (${r.script.flow}, ${r.script.locale})`).toEqual(r.script.turns.map(([, step]) => step));
      expect(r.ticketId?.startsWith(r.script.ticketPrefix), `${r.conversationId}: ${r.ticketId}`).toBe(true);
    }
    for (const locale of ['en-US', 'zh-CN']) {
      for (const flow of ['leakReport', 'dataRequest', 'minorConsent']) {
        expect(robots.filter((r) => r.script.locale === locale && r.script.flow === flow).length).toBeGreaterThanOrEqual(2);
      }
    }
    // No user saw an apology: no turn failed, no state conflict surfaced.
    expect(robots.flatMap((r) => r.apologies)).toEqual([]);

    // None lost, none doubled: exactly the robots' tickets, one per conversation, of its flow.
    const mine = rows.filter((t) => t.conversation_id.startsWith(`chaos2-${runId}-`));
    expect(mine).toHaveLength(rows.length);
    const byConversation = new Map(mine.map((t) => [t.conversation_id, t]));
    expect(byConversation.size).toBe(mine.length);
    for (const r of robots) {
      expect(byConversation.get(r.conversationId), r.conversationId).toMatchObject({ id: r.ticketId, kind: r.script.flow });
    }
    expect(mine).toHaveLength(robots.length);

    // The helpdesk received each ticket exactly once, under its Idempotency-Key. The one case no outbox can
    // close is let through, and only it: the worker that sent a ticket was killed after the helpdesk took it
    // and before it marked the row, so the other worker sends it again (same Idempotency-Key) after the claim ran out.
    expect(pendingLeft).toBe(0);
    expect(helpdesk.deliveries.every((d) => d.idempotencyKey === d.ticketId)).toBe(true);
    expect([...postsOf.keys()].sort()).toEqual(mine.map((t) => t.id).sort());
    for (const [firstPost, ...again] of resent) {
      expect(again).toHaveLength(1);
      expect(kills.some((k) => k.at >= firstPost!.at && k.at - firstPost!.at < 500), `${firstPost!.ticketId} posted twice`).toBe(true);
    }
  }, 120_000);
});
