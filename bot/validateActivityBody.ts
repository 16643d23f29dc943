/**
 * Checks the shape of a POSTed activity before the SDK sees it: the SDK's own
 * parser throws on some malformed bodies, which would surface as a 500 or as
 * a failed turn (the user's "something went wrong"). Returns the problems
 * found; empty means the body can go to the adapter.
 */

const isAccount = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>).id === 'string';

/**
 * What the sender of any activity controls: its type and the types of its fields. The local Direct Line
 * checks only this (it fills in the conversation, the channel and the sender itself).
 */
export function activityFieldProblems(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['body must be a JSON object (an Activity)'];
  const a = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof a.type !== 'string' || a.type === '') problems.push('type must be a non-empty string');
  for (const key of ['text', 'locale', 'name', 'serviceUrl', 'id', 'deliveryMode'] as const) {
    if (a[key] !== undefined && typeof a[key] !== 'string') problems.push(`${key} must be a string`);
  }
  if (a.attachments !== undefined && !Array.isArray(a.attachments)) problems.push('attachments must be a list');
  for (const key of ['membersAdded', 'membersRemoved'] as const) {
    const v = a[key];
    if (v !== undefined && (!Array.isArray(v) || !v.every(isAccount))) problems.push(`${key} must be a list of accounts, each with a string id`);
  }
  // The SDK reads value.action.type of an Adaptive Card action without checking it is there.
  if (a.type === 'invoke' && a.name === 'adaptiveCard/action') {
    const value = a.value as Record<string, unknown> | null | undefined;
    const action = value !== null && typeof value === 'object' ? value.action : undefined;
    if (action === null || typeof action !== 'object' || Array.isArray(action)) problems.push('an adaptiveCard/action invoke needs value.action, an object');
  }
  return problems;
}

/** A whole activity as a channel POSTs it to /api/messages: its fields, and where it comes from. */
export function activityBodyProblems(body: unknown): string[] {
  const problems = activityFieldProblems(body);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return problems;
  const a = body as Record<string, unknown>;
  const account = (key: string, required: boolean): void => {
    const v = a[key];
    if (v === undefined && !required) return;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) problems.push(`${key} must be an object`);
    else if (typeof (v as Record<string, unknown>).id !== 'string') problems.push(`${key}.id must be a string`);
  };
  account('conversation', true);
  account('from', false);
  account('recipient', false);
  // The conversation's state is keyed by the channel and the conversation id: without either the SDK fails the turn.
  if (isAccount(a.conversation) && (a.conversation as { id: string }).id === '') problems.push('conversation.id must not be empty');
  if (typeof a.channelId !== 'string' || a.channelId === '') problems.push('channelId must be a non-empty string');
  return problems;
}

/** What the SDK's own parser does to a valid body: timestamps become Dates (raw strings kept). */
export function fixActivity<T extends object>(activity: T): T {
  const a = activity as Record<string, unknown>;
  for (const [key, raw] of [['timestamp', 'rawTimestamp'], ['expiration', 'rawExpiration'], ['localTimestamp', 'rawLocalTimestamp']] as const) {
    if (typeof a[key] === 'string') {
      a[raw] = a[key];
      a[key] = new Date(a[key] as string);
    }
  }
  return activity;
}
