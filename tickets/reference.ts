/**
 * Ticket references such as `LK-7Q4M2P`: a prefix that says the kind, then six
 * characters from an alphabet without look-alikes (no O/0, I/1/L), so a caller
 * can read one out on the phone without being misheard.
 */
import { randomInt } from 'node:crypto';
import type { TicketKind } from './ticket.js';

export const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REFERENCE_PREFIX: Readonly<Record<TicketKind, string>> = Object.freeze({
  leakReport: 'LK',
  dataRequest: 'DR',
  minorConsent: 'MC',
  callback: 'CB',
});

export function newReference(kind: TicketKind, random: (max: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < 6; i++) body += REFERENCE_ALPHABET[random(REFERENCE_ALPHABET.length)];
  return `${REFERENCE_PREFIX[kind]}-${body}`;
}

export const REFERENCE_PATTERN = new RegExp(`^(LK|DR|MC|CB)-[${REFERENCE_ALPHABET}]{6}$`);
