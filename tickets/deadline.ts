/** Response deadlines for data requests: N working days (Mon-Fri) or N calendar days from a date. */
import type { DeadlineKind } from '../config/config.js';

export function dueDate(from: Date, days: number, kind: DeadlineKind): string {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  if (kind === 'calendar') {
    d.setUTCDate(d.getUTCDate() + days);
  } else {
    let left = days;
    while (left > 0) {
      d.setUTCDate(d.getUTCDate() + 1);
      const day = d.getUTCDay();
      if (day !== 0 && day !== 6) left -= 1;
    }
  }
  return d.toISOString().slice(0, 10);
}
