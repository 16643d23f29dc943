/**
 * Service hours, e.g. `Mon-Fri 09:00-18:00; Sat 10:00-16:00`, in a time zone.
 * Empty: always open.
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const RULE = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat)(?:-(Sun|Mon|Tue|Wed|Thu|Fri|Sat))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

export interface HoursRule { readonly days: ReadonlySet<number>; readonly from: number; readonly to: number }

/** The rules, or a problem message. */
export function parseHours(text: string): HoursRule[] | string {
  const rules: HoursRule[] = [];
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = RULE.exec(part);
    if (!m) return `DESK_HOURS: "${part}" is not like "Mon-Fri 09:00-18:00"`;
    const a = DAYS.indexOf(m[1] as (typeof DAYS)[number]);
    const b = m[2] ? DAYS.indexOf(m[2] as (typeof DAYS)[number]) : a;
    const days = new Set<number>();
    for (let d = a; ; d = (d + 1) % 7) { days.add(d); if (d === b) break; }
    const from = Number(m[3]) * 60 + Number(m[4]);
    const to = Number(m[5]) * 60 + Number(m[6]);
    if (from >= to || to > 24 * 60) return `DESK_HOURS: "${part}" must end after it starts, by 24:00`;
    rules.push({ days, from, to });
  }
  return rules;
}

export function isOpen(hours: string, timeZone: string, at: Date = new Date()): boolean {
  const rules = parseHours(hours);
  if (typeof rules === 'string' || rules.length === 0) return true;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at).map((p) => [p.type, p.value]));
  const day = DAYS.indexOf(parts.weekday as (typeof DAYS)[number]);
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return rules.some((r) => r.days.has(day) && minute >= r.from && minute < r.to);
}
