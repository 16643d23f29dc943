/**
 * Checks the shape of a POSTed activity before the SDK sees it: the SDK's own
 * parser throws on some malformed bodies, which would surface as a 500.
 * Returns the problems found; empty means the body can go to the adapter.
 */
export function activityBodyProblems(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['body must be a JSON object (an Activity)'];
  const a = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof a.type !== 'string' || a.type === '') problems.push('type must be a non-empty string');
  const obj = (key: string, required: boolean): void => {
    const v = a[key];
    if (v === undefined && !required) return;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) problems.push(`${key} must be an object`);
    else if (typeof (v as Record<string, unknown>).id !== 'string') problems.push(`${key}.id must be a string`);
  };
  const isAccount = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>).id === 'string';
  obj('conversation', true);
  // The conversation's state is keyed by its id: an empty one would fail the turn inside the SDK.
  if (isAccount(a.conversation) && (a.conversation as { id: string }).id === '') problems.push('conversation.id must not be empty');
  obj('from', false);
  obj('recipient', false);
  // Every channel names itself: the conversation's state is keyed by it (the SDK fails the turn without it).
  if (typeof a.channelId !== 'string' || a.channelId === '') problems.push('channelId must be a non-empty string');
  for (const key of ['text', 'locale', 'serviceUrl', 'id', 'deliveryMode'] as const) {
    if (a[key] !== undefined && typeof a[key] !== 'string') problems.push(`${key} must be a string`);
  }
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
