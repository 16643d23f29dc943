/** bot/dialogsRegistration.ts: one DialogsComponentRegistration for the process, still what the SDK expects. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ComponentRegistration } from 'botbuilder';
import { shareDialogsComponentRegistration } from '../bot/dialogsRegistration.js';

interface Registration { getMemoryScopes(): { name: string }[]; getPathResolvers(): unknown[] }
const sdk = createRequire(import.meta.url)('botbuilder-dialogs/lib/dialogsComponentRegistration.js') as {
  DialogsComponentRegistration: new () => Registration;
};

describe('the shared dialogs component registration', () => {
  it('is made once, is still a DialogsComponentRegistration, and gives the memory scopes and path resolvers', () => {
    expect(shareDialogsComponentRegistration()).toBe(true);
    const one = new sdk.DialogsComponentRegistration();
    const two = new sdk.DialogsComponentRegistration();
    expect(two).toBe(one);
    expect(one).toBeInstanceOf(sdk.DialogsComponentRegistration);
    expect(one).toBeInstanceOf(ComponentRegistration);
    expect(one.constructor.name).toBe('DialogsComponentRegistration');
    const scopes = one.getMemoryScopes().map((s) => s.name);
    expect(scopes).toEqual(expect.arrayContaining(['turn', 'settings', 'dialog', 'conversation', 'user', 'this']));
    // Made anew each time they are asked for, as before.
    expect(one.getMemoryScopes()[0]).not.toBe(one.getMemoryScopes()[0]);
    expect(one.getPathResolvers().length).toBeGreaterThan(0);
  });
});
