/**
 * Local Direct Line tokens: HMAC-signed, scoped to one conversation and one
 * user, with an expiry. The secret is configured, or generated once and kept
 * in the data directory so tokens survive a restart (a reload resumes).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TokenClaims {
  /** Conversation id the token is for. */
  readonly cid: string;
  /** User id. */
  readonly uid: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** The locale the page asked for when the token was issued (Web Chat sends none when it starts a conversation). */
  readonly loc?: string;
}

export const TOKEN_LIFETIME_SECONDS = 3600;

export function loadOrCreateSecret(configured: string, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'directline-token.secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export interface TokenSigner {
  issue(cid: string, uid: string, now?: number, locale?: string): { token: string; expiresIn: number };
  /** The claims of a valid, unexpired token, or undefined. */
  verify(token: string | undefined, now?: number): TokenClaims | undefined;
}

export function createTokenSigner(secret: string): TokenSigner {
  const sign = (payload: string): string => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    issue(cid, uid, now = Date.now(), locale) {
      const claims: TokenClaims = { cid, uid, exp: Math.floor(now / 1000) + TOKEN_LIFETIME_SECONDS, ...(locale ? { loc: locale } : {}) };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return { token: `${payload}.${sign(payload)}`, expiresIn: TOKEN_LIFETIME_SECONDS };
    },
    verify(token, now = Date.now()) {
      const [payload, signature] = (token ?? '').split('.');
      if (!payload || !signature) return undefined;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
        if (typeof claims.cid !== 'string' || typeof claims.uid !== 'string' || !(claims.exp * 1000 > now)) return undefined;
        return claims.loc === undefined || typeof claims.loc === 'string' ? claims : { cid: claims.cid, uid: claims.uid, exp: claims.exp };
      } catch {
        return undefined;
      }
    },
  };
}
