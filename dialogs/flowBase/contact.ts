/** A way to reach someone: a phone number or an e-mail address, validated. */
import { emailProblem, parseEmail, parsePhone } from './recognize.js';

export function parseContact(text: string): string | undefined {
  return parseEmail(text) ?? parsePhone(text);
}

/** The reason to give when an answer is not a phone number or e-mail address. */
export function contactProblemKey(text: string): string {
  if (/@|\bat\b|艾特/.test(text)) return emailProblem(text) === 'noAt' ? 'invalid.emailNoAt' : 'invalid.emailNoDomain';
  const digits = text.replace(/\D/g, '');
  if (digits.length >= 5) return 'invalid.phone';
  if (/[\p{L}]/u.test(text) && /\.(com|cn|net|org)\b/i.test(text)) return 'invalid.emailNoAt';
  return 'invalid.contact';
}
