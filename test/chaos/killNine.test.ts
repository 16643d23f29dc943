/**
 * kill -9 chaos, reduced for CI: robot users file leak reports while the
 * server is killed with SIGKILL mid-run and restarted on the same data folder.
 * A robot re-sends a request that got no answer with the same activity id, as
 * Bot Framework channels do. Afterwards every user has exactly one ticket (none
 * lost, none doubled) and the helpdesk webhook has received every ticket.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../support.js';
import { startHelpdesk } from '../helpdesk.js';
import { freePort, startServerProcess, type ServerProcess } from './serverProcess.js';

const ROBOTS = 6;
const KILLS = 2;
/** What a robot answers at each step of the leak report, as a user reading the question would. */
const ANSWERS: Record<string, string> = {
  whatLeaked: 'my password', howNoticed: 'a strange login', when: 'this morning', contact: '13812345678', confirm: 'yes',
};
type Reply = { channelData?: { assistant?: { step?: string; ticketId?: string } } };

let server: ServerProcess | undefined;
afterAll(async () => { await server?.kill9(); });

describe('kill -9 during scripted leak reports', () => {
  it('loses no ticket and doubles none', async () => {
    const helpdesk = await startHelpdesk();
    const webhookTickets = helpdesk.received;
    const port = await freePort();
    const env = {
      PORT: String(port), DATA_DIR: tempDataDir(), RATE_LIMIT_PER_MINUTE: '100000', TICKETS_API_TOKEN: 'chaos-token',
      HELPDESK_WEBHOOK_URL: helpdesk.url, LOG_LEVEL: 'error',
    };
    const base = `http://127.0.0.1:${port}`;
    server = await startServerProcess(env);

    // A robot sends each turn until it is answered, with the same activity id each time, and answers what it is asked.
    const send = async (robot: number, turn: number, text: string): Promise<Reply[]> => {
      const activity = {
        type: 'message', id: `chaos-${robot}-${turn}`, text, locale: 'en-US', channelId: 'chaos', deliveryMode: 'expectReplies',
        serviceUrl: 'http://localhost/chaos', conversation: { id: `chaos-conv-${robot}` }, from: { id: `robot-${robot}` }, recipient: { id: 'bot' },
      };
      for (;;) {
        try {
          const res = await fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
          if (res.status === 200) return ((await res.json()) as { activities: Reply[] }).activities;
        } catch {
          // the server is down: try again shortly
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    };
    const robots = Array.from({ length: ROBOTS }, async (_, robot) => {
      let replies = await send(robot, 0, 'Someone hacked my account and changed my password');
      for (let turn = 1; turn < 12; turn++) {
        const meta = replies.map((r) => r.channelData?.assistant).filter(Boolean).at(-1);
        if (meta?.ticketId) return;
        replies = await send(robot, turn, ANSWERS[meta?.step ?? ''] ?? 'I want to report a data leak');
      }
    });

    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 700 + k * 500));
      await server.kill9();
      server = await startServerProcess(env);
    }
    await Promise.all(robots);

    const res = await fetch(`${base}/api/tickets`, { headers: { authorization: 'Bearer chaos-token' } });
    const { tickets } = (await res.json()) as { tickets: { id: string; conversationId: string }[] };
    const mine = tickets.filter((t) => t.conversationId.startsWith('chaos-conv-'));
    const perConversation = new Map<string, number>();
    for (const t of mine) perConversation.set(t.conversationId, (perConversation.get(t.conversationId) ?? 0) + 1);
    expect(perConversation.size).toBe(ROBOTS); // none lost
    expect([...perConversation.values()].every((n) => n === 1)).toBe(true); // none doubled

    // The outbox delivers after restarts too: wait until the webhook has every ticket.
    for (let i = 0; i < 100 && new Set(webhookTickets).size < mine.length; i++) await new Promise((r) => setTimeout(r, 200));
    expect(new Set(webhookTickets)).toEqual(new Set(mine.map((t) => t.id)));
    await helpdesk.close();
  }, 120_000);
});
