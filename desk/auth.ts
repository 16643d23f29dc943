/**
 * Desk sign-in: passwords hashed with scrypt (node:crypto), sessions as random
 * tokens in an HttpOnly, SameSite=Strict cookie (only their SHA-256 is stored),
 * and a CSRF token per session that every change must send back in a header.
 * Before sign-in, the sign-in form itself is protected by a double-submit
 * token (cookie + header).
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type restify from 'restify';
import { iso, type SqlStore } from '../storage/sql.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_BYTES = 32;

/** `scrypt$N$r$p$salt$key` (base64url): the form DESK_AGENTS and the CLI use. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_BYTES, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const N = Number(n), R = Number(r), P = Number(p);
  if (![N, R, P].every(Number.isInteger) || N > 2 ** 20 || R > 32 || P > 16) return false;
  const expected = Buffer.from(key, 'base64url');
  const given = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N, r: R, p: P, maxmem: 256 * N * R + 1024 * 1024 });
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A fixed hash to verify against when the name is unknown, so both cases cost the same time. */
let decoy: Promise<string> | undefined;

export const SESSION_COOKIE = 'desk_session';
export const LOGIN_CSRF_COOKIE = 'desk_login_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface DeskSession {
  readonly agent: string;
  readonly csrf: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookiesOf(req: restify.Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out.set(part.slice(0, at).trim(), decodedCookie(part.slice(at + 1).trim()));
  }
  return out;
}

/** A cookie value as set by `cookie()`; another site's cookie with a stray '%' is kept as it came, never an error (a 500 locked agents out). */
function decodedCookie(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function cookie(name: string, value: string, options: { maxAgeSeconds?: number; secure: boolean }): string {
  return [`${name}=${encodeURIComponent(value)}`, 'Path=/desk', 'HttpOnly', 'SameSite=Strict',
    ...(options.maxAgeSeconds !== undefined ? [`Max-Age=${options.maxAgeSeconds}`] : []), ...(options.secure ? ['Secure'] : [])].join('; ');
}

export class DeskAuth {
  constructor(
    private readonly db: SqlStore,
    private readonly configured: readonly { name: string; hash: string }[],
    private readonly sessionHours: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The agent's name when the password is right; undefined otherwise (same work either way). */
  async signIn(name: string, password: string): Promise<string | undefined> {
    const fromConfig = this.configured.find((a) => a.name === name)?.hash;
    const stored = fromConfig ?? (await this.db.get<{ hash: string }>('SELECT hash FROM desk_agents WHERE name = ?', [name]))?.hash;
    decoy ??= hashPassword(randomBytes(12).toString('hex'));
    const ok = await verifyPassword(password, stored ?? (await decoy));
    return ok && stored ? name : undefined;
  }

  async addAgent(name: string, password: string): Promise<void> {
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) throw new Error('An agent name is 1-40 letters, digits, _ . or -.');
    if (password.length < 10) throw new Error('A desk password has at least 10 characters.');
    const hash = await hashPassword(password);
    await this.db.run(`INSERT INTO desk_agents (name, hash, created_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET hash = excluded.hash`, [name, hash, iso(this.now())]);
  }

  /** A new session: the cookie value (never stored) and its CSRF token. */
  async createSession(agent: string): Promise<{ token: string; csrf: string; maxAgeSeconds: number }> {
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const maxAgeSeconds = this.sessionHours * 3600;
    await this.db.run('DELETE FROM desk_sessions WHERE expires_at < ?', [iso(this.now())]);
    await this.db.run('INSERT INTO desk_sessions (token_hash, agent, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [sha256(token), agent, csrf, iso(this.now()), iso(this.now() + maxAgeSeconds * 1000)]);
    return { token, csrf, maxAgeSeconds };
  }

  async session(req: restify.Request): Promise<DeskSession | undefined> {
    const token = cookiesOf(req).get(SESSION_COOKIE);
    if (!token) return undefined;
    const row = await this.db.get<{ agent: string; csrf: string; expires_at: string }>(
      'SELECT agent, csrf, expires_at FROM desk_sessions WHERE token_hash = ?', [sha256(token)]);
    if (!row || row.expires_at < iso(this.now())) return undefined;
    return { agent: row.agent, csrf: row.csrf };
  }

  async endSession(req: restify.Request): Promise<void> {
    const token = cookiesOf(req).get(SESSION_COOKIE);
    if (token) await this.db.run('DELETE FROM desk_sessions WHERE token_hash = ?', [sha256(token)]);
  }
}
