/**
 * Turns on either store: a channel's retry of the same activity is processed once (same replies, the
 * flow does not advance twice, no second ticket), also when the instance that ran it died right after
 * saving its state, and a turn whose state was changed by another instance meanwhile runs again on
 * fresh state instead of overwriting it.
 */
import type { Activity, Storage, StoreItems } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import restify from 'restify';
import { createAssistant } from '../../bot/createAssistant.js';
import { attachDesk } from '../../desk/index.js';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../logging/logger.js';
import { SqlStorage, withStateScope, type TurnScope } from '../../storage/StateStorage.js';
import { messagesOf, startTestApp, userMessage, type Reply, type TestApp } from '../support.js';
import { STORE_KINDS, type StoreLocation } from './stores.js';

const lastStep = (replies: Reply[]) => messagesOf(replies).at(-1)?.channelData?.assistant?.step;
const texts = (replies: Reply[]) => messagesOf(replies).map((r) => r.text);

describe.each(STORE_KINDS)('turns on the $name store', (kind) => {
  let loc: StoreLocation;
  let app: TestApp;
  beforeAll(async () => {
    loc = kind.location();
    app = await startTestApp(loc.env, { dataDir: loc.dataDir });
  });
  afterAll(async () => {
    await app.close();
    await loc.dispose();
  });

  it('answers a channel retry (same activity id) with the same replies, never advancing the flow twice or opening a second ticket', async () => {
    const conversationId = `retry-${Date.now()}`;
    const say = (text: string) => userMessage(text, { conversationId, locale: 'en-US' });
    expect(lastStep(await app.send(say('Someone hacked my account and changed my password')))).toBe('when');
    const when = say('this morning');
    const first = await app.send(when);
    expect(lastStep(first)).toBe('contact');
    const retried = await app.send(when);
    expect(texts(retried)).toEqual(texts(first));
    expect(lastStep(retried)).toBe('contact');
    // The agents' transcript holds the message and its answer once: replies repeated for a retry are not recorded.
    const db = loc.open();
    try {
      const lines = await db.all<{ role: string }>("SELECT role FROM desk_transcript WHERE conversation_id = ? AND id >= (SELECT MIN(id) FROM desk_transcript WHERE conversation_id = ? AND text = 'this morning') ORDER BY id", [conversationId, conversationId]);
      expect(lines.map((l) => l.role)).toEqual(['user', ...texts(first).map(() => 'bot')]);
    } finally {
      await db.close();
    }
    const contact = say('13812345678');
    const confirmAsked = await app.send(contact);
    expect(lastStep(confirmAsked)).toBe('confirm');
    // A late retry of an older message, after the conversation moved on: its own replies again, and the flow
    // stays where it is (run on today's state, "this morning" would have been read as the answer to "confirm").
    const late = await app.send(when);
    expect(texts(late)).toEqual(texts(first));
    expect(texts(await app.send(contact))).toEqual(texts(confirmAsked));
    const yes = say('yes');
    // The retry arrives while the first is still running, and once more afterwards.
    const [done, concurrent] = await Promise.all([app.send(yes), app.send(yes)]);
    const again = await app.send(yes);
    const ticketId = messagesOf(done).at(-1)?.channelData?.assistant?.ticketId;
    expect(ticketId).toMatch(/^LK-/);
    expect(texts(concurrent)).toEqual(texts(done));
    expect(texts(again)).toEqual(texts(done));
    expect((await app.app.assistant.tickets.list()).filter((t) => t.conversationId === conversationId)).toHaveLength(1);
  }, 90_000);

  it('runs a turn again on fresh state when another instance changed it meanwhile, replying once', async () => {
    const db = loc.open();
    const elsewhere = new SqlStorage(loc.open());
    let sabotage = true;
    const inner = new SqlStorage(db);
    // Before this instance saves, "another instance" saves the same conversation.
    const storage: Storage = {
      // The turn's scope comes with each call (storage/StateStorage.ts): passed on, as a wrapping Storage must.
      read: (keys: string[], scope?: TurnScope) => inner.read(keys, scope),
      delete: (keys: string[], scope?: TurnScope) => inner.delete(keys, scope),
      write: async (changes: StoreItems, scope?: TurnScope) => {
        const key = Object.keys(changes).find((k) => k.includes('/conversations/'));
        if (sabotage && key) {
          sabotage = false;
          await withStateScope(async (theirs) => {
            const current = await elsewhere.read([key], theirs);
            await elsewhere.write({ [key]: { ...(current[key] ?? {}), eTag: '*' } }, theirs);
          });
        }
        return inner.write(changes, scope);
      },
    };
    const lines: string[] = [];
    const config = loadConfig({ ...loc.env, DATA_DIR: loc.dataDir, PURGE_INTERVAL_MINUTES: '0' });
    const assistant = createAssistant({ config, db, storage, logger: createLogger('debug', (l) => lines.push(l)), knowledge: app.app.assistant.kb });
    const desk = attachDesk(restify.createServer(), assistant);
    try {
      const activity = userMessage('Someone hacked my account and changed my password', { conversationId: `conflict-${Date.now()}`, locale: 'en-US' });
      const replies = (await assistant.handleActivity({ ...activity, channelId: 'test' })) as Reply[];
      expect(lines.some((l) => l.includes('running it again'))).toBe(true);
      expect(lastStep(replies)).toBe('when');
      // Replied once: the first attempt's buffered replies were dropped.
      expect(new Set(texts(replies)).size).toBe(texts(replies).length);
      // And recorded once in the agents' transcript: the attempt that lost wrote none of its lines.
      const transcript = await db.all<{ role: string; text: string }>('SELECT role, text FROM desk_transcript WHERE conversation_id = ? ORDER BY id', [activity.conversation!.id]);
      expect(transcript).toEqual([{ role: 'user', text: activity.text }, ...texts(replies).map((text) => ({ role: 'bot', text }))]);
      const next = (await assistant.handleActivity({ ...userMessage('this morning', { conversationId: activity.conversation!.id, locale: 'en-US' }), channelId: 'test' })) as Reply[];
      expect(lastStep(next)).toBe('contact');
    } finally {
      desk.close();
      await assistant.close();
      await db.close();
    }
  }, 90_000);

  it('answers the retry of a turn that died right after saving its state with the stored replies, not a second run', async () => {
    const db = loc.open();
    const inner = new SqlStorage(db);
    let saved: () => void = () => undefined;
    const stateSaved = new Promise<void>((r) => { saved = r; });
    // This instance "dies" the moment its state write commits: nothing after it runs.
    const storage: Storage = {
      read: (keys: string[], scope?: TurnScope) => inner.read(keys, scope),
      delete: (keys: string[], scope?: TurnScope) => inner.delete(keys, scope),
      write: async (changes: StoreItems, scope?: TurnScope) => {
        await inner.write(changes, scope);
        saved();
        await new Promise(() => undefined);
      },
    };
    const config = loadConfig({ ...loc.env, DATA_DIR: loc.dataDir, PURGE_INTERVAL_MINUTES: '0' });
    const dying = createAssistant({ config, db, storage, logger: createLogger('error', () => undefined), knowledge: app.app.assistant.kb });
    try {
      const conversationId = `died-${Date.now()}`;
      const say = (text: string) => ({ ...userMessage(text, { conversationId, locale: 'en-US' }), channelId: 'test' });
      expect(lastStep(await app.send(say('Someone hacked my account and changed my password')))).toBe('when');
      const when = say('this morning');
      void dying.handleActivity(when);
      await stateSaved;
      // The channel's retry reaches the live instance: the reply the first run gave, and the flow advanced once.
      const retried = await app.send(when);
      expect(lastStep(retried)).toBe('contact');
      expect(lastStep(await app.send(say('13812345678')))).toBe('confirm');
    } finally {
      await dying.close();
      await db.close();
    }
  }, 90_000);
});

export type { Activity };
