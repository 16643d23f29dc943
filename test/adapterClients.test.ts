/**
 * Connector and user-token clients are made once per app id, audience and service URL (bot/adapter.ts), not on
 * every turn, and the set of them stays bounded.
 */
import { describe, expect, it } from 'vitest';
import type { Activity } from 'botbuilder';
import { ClaimsIdentity, AuthenticationConstants } from 'botframework-connector';
import { MAX_REUSED_CLIENTS, ReusingBotFrameworkAuthentication } from '../bot/adapter.js';

const activity = (serviceUrl: string) => ({ type: 'message', channelId: 'test', serviceUrl }) as Activity;
const identity = (appId: string) => new ClaimsIdentity([
  { type: AuthenticationConstants.AudienceClaim, value: appId },
  { type: AuthenticationConstants.AppIdClaim, value: appId },
], true);

describe('connector clients', () => {
  it('reuses one client per service URL across requests, and a new one for another URL', async () => {
    const auth = new ReusingBotFrameworkAuthentication({});
    const one = await auth.authenticateRequest(activity('http://localhost:1/a'), '');
    const two = await auth.authenticateRequest(activity('http://localhost:1/a'), '');
    const a1 = await one.connectorFactory!.create('http://localhost:1/a', one.audience);
    const a2 = await two.connectorFactory!.create('http://localhost:1/a', two.audience);
    const b = await two.connectorFactory!.create('http://localhost:1/b', two.audience);
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    expect(await auth.createUserTokenClient(one.claimsIdentity)).toBe(await auth.createUserTokenClient(two.claimsIdentity));
  });

  it('keeps clients of different app ids and audiences apart', async () => {
    const auth = new ReusingBotFrameworkAuthentication({});
    const url = 'http://localhost:1/x';
    const mine = await auth.createConnectorFactory(identity('app-1')).create(url);
    expect(await auth.createConnectorFactory(identity('app-1')).create(url)).toBe(mine);
    expect(await auth.createConnectorFactory(identity('app-2')).create(url)).not.toBe(mine);
    expect(await auth.createConnectorFactory(identity('app-1')).create(url, 'https://api.botframework.com')).not.toBe(mine);
    expect(await auth.createUserTokenClient(identity('app-1'))).not.toBe(await auth.createUserTokenClient(identity('app-2')));
  });

  it('forgets the least recently used client when full (service URLs come from callers)', async () => {
    const auth = new ReusingBotFrameworkAuthentication({});
    const factory = auth.createConnectorFactory(identity(''));
    const first = await factory.create('http://localhost:1/0');
    const kept = await factory.create('http://localhost:1/kept');
    for (let i = 1; i <= MAX_REUSED_CLIENTS; i++) {
      await factory.create(`http://localhost:1/${i}`);
      if (i % 10 === 0) expect(await factory.create('http://localhost:1/kept')).toBe(kept); // used: kept
    }
    expect(await factory.create('http://localhost:1/0')).not.toBe(first);
  });
});
