/**
 * A Direct Line message accepted just before a crash is answered after the restart (or by another
 * instance): the transcript keeps it marked until its turn has run.
 */
import { describe, expect, it } from 'vitest';
import { iso } from '../../storage/sql.js';
import { DirectLineStore } from '../../web/directline/store.js';
import { startTestApp, type Reply } from '../support.js';
import { STORE_KINDS } from './stores.js';

describe.each(STORE_KINDS)('restart on the $name store', (kind) => {
  it('answers a message accepted before a crash', async () => {
    const loc = kind.location();
    // The crashed instance accepted the message (marked pending) and died before its turn ran.
    const before = loc.open();
    const dl = new DirectLineStore(before);
    await dl.create('crashed-conv', 'dl_user', 'en-US');
    const [accepted] = await dl.append('crashed-conv', [{ type: 'message', text: 'How do you protect my information?', locale: 'en-US', from: { id: 'dl_user', name: 'User', role: 'user' } as never }], { pending: true });
    await before.run('UPDATE dl_activities SET pending_since = ?', [iso(Date.now() - 5 * 60_000)]);
    await before.close();

    const app = await startTestApp(loc.env, { dataDir: loc.dataDir });
    try {
      const store = new DirectLineStore(app.app.assistant.db);
      let answer: Reply | undefined;
      for (let i = 0; i < 300 && !answer; i++) {
        answer = (await store.since('crashed-conv', 0)).activities.find((a) => a.type === 'message' && a.replyToId === accepted!.id) as Reply | undefined;
        if (!answer) await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer?.text).toBeTruthy();
      expect(await store.takePending(0)).toEqual([]);
    } finally {
      await app.close();
      await loc.dispose();
    }
  }, 90_000);
});
