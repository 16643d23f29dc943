/**
 * Request limits keyed by whatever identifies the caller best on each route
 * (a conversation, a user, a Direct Line token, or, where nothing better
 * exists, the client address), and the client address itself as seen through
 * configured trusted proxies.
 *
 * Each key has a token bucket: `perMinute` requests of burst, refilled evenly
 * over a minute. Keys live in an LRU map: when it is full the least recently
 * used key goes, so a flood of fresh keys never resets anyone else's window.
 */
import net from 'node:net';
import type restify from 'restify';

export interface RateDecision {
  readonly ok: boolean;
  /** Seconds until one more request would be allowed (0 when ok). */
  readonly retryAfterSeconds: number;
}

export interface RateLimiter {
  allow(key: string, now?: number): boolean;
  /** Takes one request from every key, or from none if any is exhausted. */
  take(keys: readonly string[], now?: number): RateDecision;
  /** Number of keys tracked (bounded by `maxKeys`). */
  readonly size: number;
}

export interface RateLimiterOptions {
  /** How many keys are tracked at most (least recently used go first). */
  readonly maxKeys?: number;
  /** Clock for tests. */
  readonly now?: () => number;
}

export const DEFAULT_MAX_KEYS = 50_000;

export function createRateLimiter(perMinute: number, options: RateLimiterOptions = {}): RateLimiter {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const clock = options.now ?? Date.now;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const bucket = (key: string, now: number): { tokens: number; at: number } => {
    let b = buckets.get(key);
    if (b) {
      buckets.delete(key); // re-inserted below: most recently used last
      b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.at) * perMs);
      b.at = now;
    } else {
      b = { tokens: perMinute, at: now };
      while (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
    }
    buckets.set(key, b);
    return b;
  };

  const take = (keys: readonly string[], now = clock()): RateDecision => {
    const all = [...new Set(keys)].map((k) => bucket(k, now));
    const short = all.filter((b) => b.tokens < 1);
    if (short.length > 0) {
      const wait = Math.max(...short.map((b) => (1 - b.tokens) / perMs));
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    }
    for (const b of all) b.tokens -= 1;
    return { ok: true, retryAfterSeconds: 0 };
  };

  return {
    allow: (key, now) => take([key], now).ok,
    take,
    get size() { return buckets.size; },
  };
}

/**
 * Counts failed attempts (bad API tokens) per key; after `maxFailures` within
 * `windowMs` the key is locked for `lockMs`, doubling on each further lockout
 * (up to `maxLockMs`). A success clears the count.
 */
export interface FailureLockout {
  /** Seconds the key is still locked for; 0 when it may try. */
  lockedFor(key: string, now?: number): number;
  failure(key: string, now?: number): void;
  success(key: string): void;
}

export function createFailureLockout(options: { maxFailures?: number; windowMs?: number; lockMs?: number; maxLockMs?: number; maxKeys?: number; now?: () => number } = {}): FailureLockout {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const lockMs = options.lockMs ?? 60_000;
  const maxLockMs = options.maxLockMs ?? 60 * 60_000;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const clock = options.now ?? Date.now;
  const entries = new Map<string, { failures: number; since: number; lockedUntil: number; lockouts: number }>();

  return {
    lockedFor(key, now = clock()) {
      const e = entries.get(key);
      return e && e.lockedUntil > now ? Math.ceil((e.lockedUntil - now) / 1000) : 0;
    },
    failure(key, now = clock()) {
      let e = entries.get(key);
      if (e) entries.delete(key);
      else {
        e = { failures: 0, since: now, lockedUntil: 0, lockouts: 0 };
        while (entries.size >= maxKeys) entries.delete(entries.keys().next().value as string);
      }
      if (now - e.since > windowMs) { e.failures = 0; e.since = now; }
      e.failures += 1;
      if (e.failures >= maxFailures) {
        e.lockedUntil = now + Math.min(maxLockMs, lockMs * 2 ** e.lockouts);
        e.lockouts += 1;
        e.failures = 0;
        e.since = now;
      }
      entries.set(key, e);
    },
    success(key) { entries.delete(key); },
  };
}

/** A list of trusted proxy addresses and IPv4/IPv6 CIDR ranges. */
export function parseTrustedProxies(spec: string): net.BlockList {
  const list = new net.BlockList();
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits] = raw.split('/');
    const family = net.isIPv6(address!) ? 'ipv6' : 'ipv4';
    if (bits !== undefined) list.addSubnet(address!, Number(bits), family);
    else list.addAddress(address!, family);
  }
  return list;
}

/** Problems with a TRUSTED_PROXIES value (for configuration checks). */
export function trustedProxyProblems(spec: string): string[] {
  const problems: string[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits, extra] = raw.split('/');
    const v = net.isIP(address ?? '');
    const max = v === 6 ? 128 : 32;
    if (v === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      problems.push(`"${raw}" is not an IP address or CIDR range`);
    }
  }
  return problems;
}

const normalize = (address: string): string => address.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');

function isTrusted(list: net.BlockList, address: string): boolean {
  const a = normalize(address);
  const family = net.isIPv6(a) ? 'ipv6' : net.isIPv4(a) ? 'ipv4' : undefined;
  return family !== undefined && list.check(a, family);
}

/**
 * The client address of a request: the socket's peer, unless that peer is a
 * trusted proxy; then X-Forwarded-For is read from the right, skipping trusted
 * proxies, and the first untrusted address is the client. X-Forwarded-For from
 * anyone else is ignored (anybody can write it).
 */
export function createClientAddress(trusted: net.BlockList): (req: restify.Request) => string {
  // No trusted proxies (the usual case): the peer is the client, without asking the block list on every request.
  const anyTrusted = trusted.rules.length > 0;
  return (req) => {
    const peer = normalize(req.socket?.remoteAddress ?? 'unknown');
    if (!anyTrusted || !isTrusted(trusted, peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map(normalize).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (net.isIP(hops[i]!) === 0) return peer; // garbage in the chain: trust nothing past it
      if (!isTrusted(trusted, hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? peer;
  };
}

/** Sends a 429 with Retry-After (seconds), which Direct Line clients and the page honour. */
export function sendRateLimited(res: restify.Response, retryAfterSeconds: number): void {
  res.header('retry-after', String(retryAfterSeconds));
  res.send(429, { error: { code: 'rate_limited', message: `Too many requests; try again in ${retryAfterSeconds} s.` } });
}

/** The limits each route family uses (see createApp). */
export interface RouteLimits {
  readonly messages: RateLimiter;
  readonly polls: RateLimiter;
  readonly clients: RateLimiter;
}

/** What the bearer-token APIs (tickets, assist) need to lock out repeated bad tokens. */
export interface ApiAuth {
  readonly lockout: FailureLockout;
  readonly clientOf: (req: restify.Request) => string;
}
