/**
 * An activity as it may be stored: personal data masked in everything a user
 * can fill in (text, speak, summary, a card's submitted `value`, `channelData`
 * and attachments), so a transcript never keeps a full phone, e-mail, ID or
 * bank card number, whichever field it came in.
 */
import type { Activity } from 'botbuilder';
import { maskDeep, maskPersonalData } from './mask.js';

export function maskActivity<T extends Partial<Activity>>(activity: T): T {
  const out: T = { ...activity };
  for (const key of ['text', 'speak', 'summary'] as const) {
    const v = out[key];
    if (typeof v === 'string') (out as Partial<Activity>)[key] = maskPersonalData(v);
  }
  if (out.value !== undefined) out.value = maskDeep(out.value);
  if (out.channelData !== undefined) out.channelData = maskDeep(out.channelData);
  if (out.attachments !== undefined) out.attachments = maskDeep(out.attachments);
  return out;
}
