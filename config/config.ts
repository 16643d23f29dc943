/**
 * Settings are read once at start-up from an env-like record, validated as a
 * whole (every problem reported in one message), then frozen. Nothing else in
 * the codebase reads process.env: handlers receive this object.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHours } from '../desk/hours.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), resolveUp());

// Compiled code lives in dist/config, source in config: walk up to the folder holding package.json.
function resolveUp(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.split(path.sep).includes('dist') ? '../..' : '..';
}

export type DeadlineKind = 'working' | 'calendar';

export interface Config {
  readonly port: number;
  /** Bot Framework auth. Empty appId: unauthenticated local use (Emulator, tests). */
  readonly microsoftAppId: string;
  readonly microsoftAppPassword: string;
  readonly microsoftAppType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  readonly microsoftAppTenantId: string;
  /** Policy files to load, one per locale; locale read from the file name (`*.zh-CN.txt`). */
  readonly policyFiles: readonly string[];
  /** Where the SQLite store (conversation state, tickets, outbox) lives. */
  readonly dataDir: string;
  /** Where trained models are cached, keyed by a hash of their inputs (the build fills it; a start trains what it lacks). */
  readonly modelCacheDir: string;
  /** Decisions remembered for messages asked again (knowledge/routeCache.ts); 0 routes every message afresh. */
  readonly routeCacheSize: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Search tuning: below `answerThreshold` the bot falls back; within `clarifyMargin` of the runner-up it asks "did you mean". */
  readonly answerThreshold: number;
  readonly clarifyMargin: number;
  /** Bearer token for the tickets API; empty: API off. */
  readonly ticketsApiToken: string;
  /** Bearer token for /metrics; empty: /metrics is open (expose it only inside). */
  readonly metricsToken: string;
  /** Bearer token for the agent-assist API and page; empty: off. */
  readonly assistApiToken: string;
  /** Optional helpdesk webhook that receives every new ticket (delivered through an outbox). */
  readonly helpdeskWebhookUrl: string;
  /** Data-request response deadline. */
  readonly dataRequestDeadline: { readonly regime: string; readonly days: number; readonly kind: DeadlineKind };
  /** Azure Direct Line secret; empty: the server offers its own local Direct Line. */
  readonly directLineSecret: string;
  readonly directLineEndpoint: string;
  /** Secret that signs local Direct Line tokens; empty: one is generated and kept in dataDir. */
  readonly directLineTokenSecret: string;
  /**
   * Messages per minute per conversation and per user on /api/messages and Direct Line posts (and, where
   * nothing better identifies the caller, per client address: Direct Line token requests, failed requests).
   */
  readonly rateLimitPerMinute: number;
  /**
   * Without an app id nothing vouches for an activity's serviceUrl, so replies (normal delivery) go only to
   * these origins; empty means loopback only. With an app id the channel's token vouches for it.
   */
  readonly trustedServiceUrls: readonly string[];
  /** How long one reply POST to a channel's serviceUrl may take before it is abandoned. */
  readonly replyTimeoutMs: number;
  /** Direct Line reads (polling) per minute per conversation token; never counted against messages. */
  readonly directLinePollsPerMinute: number;
  /** Proxies whose X-Forwarded-For is believed: comma-separated addresses or CIDR ranges; empty: none. */
  readonly trustedProxies: string;
  /** This server's public address (Direct Line `domain`, citation links); empty: http://localhost:<port>. */
  readonly publicUrl: string;
  /** PostgreSQL shared by several instances (postgres://...); empty: the embedded SQLite store in dataDir. */
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly databaseStatementTimeoutMs: number;
  /** TLS to PostgreSQL: disable | require | verify-full; empty: as DATABASE_URL says. */
  readonly databaseSslmode: '' | 'disable' | 'require' | 'verify-full';
  /** PostgreSQL schema of this deployment (created if missing); empty: the server default. */
  readonly databaseSchema: string;
  /** Retention in days (0: keep): idle conversation state, Direct Line transcripts, closed tickets. */
  readonly retention: { readonly stateDays: number; readonly transcriptDays: number; readonly closedTicketDays: number };
  /** Minutes between scheduled purges (0: only `npm run db -- purge`). */
  readonly purgeIntervalMinutes: number;
  /**
   * How far past what is live V8 lets the heap grow before a full collection, in percent (bot/heap.ts); 0: V8's
   * own heuristic, which under steady load lets it reach several times the live size.
   */
  readonly heapGrowingPercent: number;
  /** The customer-service desk (desk/): agents, live handoff timing and service hours. */
  readonly desk: DeskConfig;
}

export interface DeskConfig {
  /** Agent accounts from configuration: `name:scrypt-hash` pairs (hashes from `npm run desk -- hash`). */
  readonly agents: readonly { readonly name: string; readonly hash: string }[];
  /** How long a conversation waits in the live queue before the user is told nobody is free. */
  readonly handoffTimeoutSeconds: number;
  /** When agents work: days and hours in `timeZone`, e.g. Mon-Fri 09:00-18:00; empty: always. */
  readonly hours: string;
  readonly timeZone: string;
  /** Hours a desk session lasts. */
  readonly sessionHours: number;
  /** Where Improve writes suggestions.json (and apply-suggestions each locale's suggested.json). */
  readonly trainingDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_POLICY_FILES = Object.freeze([
  'knowledge/policy/buygogo-privacy-policy.en-US.txt',
  'knowledge/policy/buygogo-privacy-policy.zh-CN.txt',
]);

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const str = (key: string, fallback = ''): string => (env[key] ?? fallback).trim();
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = str(key);
    if (raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const raw = str(key);
    if (raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      problems.push(`${key} must be a number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const raw = str(key);
    if (raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${key} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const url = (key: string): string => {
    const raw = str(key);
    if (raw === '') return '';
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(`${key} must be an http(s) URL (got "${raw}")`);
    }
    return raw;
  };

  const postgresUrl = (key: string): string => {
    const raw = str(key);
    if (raw === '') return '';
    try {
      const u = new URL(raw);
      if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('protocol');
    } catch {
      problems.push(`${key} must be a postgres:// URL (got a value that is not)`); // never echo it: it may hold a password
    }
    return raw;
  };

  const addressList = (key: string): string => {
    const raw = str(key);
    for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [address = '', bits, extra] = item.split('/');
      const family = isIP(address);
      if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32)))) {
        problems.push(`${key} must list IP addresses or CIDR ranges, comma-separated (got "${item}")`);
      }
    }
    return raw;
  };

  const originList = (key: string): string[] => str(key).split(',').map((s) => s.trim()).filter(Boolean).map((raw) => {
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      return u.origin;
    } catch {
      problems.push(`${key} must list http(s) origins, comma-separated (got "${raw}")`);
      return '';
    }
  });

  const policyFiles = str('POLICY_FILES') === ''
    ? [...DEFAULT_POLICY_FILES]
    : str('POLICY_FILES').split(',').map((f) => f.trim()).filter(Boolean);

  const deadlineKind = oneOf<DeadlineKind>('DATA_REQUEST_DEADLINE_KIND', ['working', 'calendar'], 'working');

  const config: Config = {
    port: int('PORT', 3978, 0, 65535),
    microsoftAppId: str('MicrosoftAppId'),
    microsoftAppPassword: str('MicrosoftAppPassword'),
    microsoftAppType: oneOf('MicrosoftAppType', ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], 'MultiTenant'),
    microsoftAppTenantId: str('MicrosoftAppTenantId'),
    policyFiles: policyFiles.map((f) => path.resolve(REPO_ROOT, f)),
    dataDir: path.resolve(REPO_ROOT, str('DATA_DIR', 'data')),
    modelCacheDir: path.resolve(REPO_ROOT, str('MODEL_CACHE_DIR', '.cache/models')),
    routeCacheSize: int('ROUTE_CACHE_SIZE', 2000, 0, 1_000_000),
    logLevel: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error', 'silent'], 'info'),
    answerThreshold: num('ANSWER_THRESHOLD', 0.45, 0, 1),
    clarifyMargin: num('CLARIFY_MARGIN', 0.01, 0, 1),
    ticketsApiToken: str('TICKETS_API_TOKEN'),
    metricsToken: str('METRICS_TOKEN'),
    assistApiToken: str('ASSIST_API_TOKEN'),
    helpdeskWebhookUrl: url('HELPDESK_WEBHOOK_URL'),
    dataRequestDeadline: {
      regime: str('DATA_REQUEST_DEADLINE_REGIME', 'CN-PIPL'),
      days: int('DATA_REQUEST_DEADLINE_DAYS', 15, 1, 365),
      kind: deadlineKind,
    },
    directLineSecret: str('DIRECT_LINE_SECRET'),
    directLineEndpoint: url('DIRECT_LINE_ENDPOINT') || 'https://directline.botframework.com/v3/directline',
    directLineTokenSecret: str('DIRECT_LINE_TOKEN_SECRET'),
    trustedServiceUrls: originList('TRUSTED_SERVICE_URLS'),
    replyTimeoutMs: int('REPLY_TIMEOUT_MS', 10_000, 100, 120_000),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 120, 1, 100000),
    directLinePollsPerMinute: int('DIRECT_LINE_POLLS_PER_MINUTE', 600, 1, 100000),
    trustedProxies: addressList('TRUSTED_PROXIES'),
    publicUrl: url('PUBLIC_URL').replace(/\/+$/, ''),
    databaseUrl: postgresUrl('DATABASE_URL'),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseStatementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
    databaseSslmode: oneOf<Config['databaseSslmode']>('DATABASE_SSLMODE', ['disable', 'require', 'verify-full'], ''),
    databaseSchema: str('DATABASE_SCHEMA').replace(/^(?![a-z_][a-z0-9_]{0,62}$).+$/, (bad) => {
      problems.push(`DATABASE_SCHEMA must be a lower-case name of letters, digits and _ (got "${bad}")`);
      return '';
    }),
    retention: {
      stateDays: int('STATE_RETENTION_DAYS', 30, 0, 3650),
      transcriptDays: int('TRANSCRIPT_RETENTION_DAYS', 30, 0, 3650),
      closedTicketDays: int('CLOSED_TICKET_RETENTION_DAYS', 365, 0, 3650),
    },
    purgeIntervalMinutes: int('PURGE_INTERVAL_MINUTES', 60, 0, 10080),
    heapGrowingPercent: int('HEAP_GROWING_PERCENT', 30, 0, 1000),
    desk: {
      agents: str('DESK_AGENTS').split(',').map((s) => s.trim()).filter(Boolean).flatMap((item) => {
        const at = item.indexOf(':');
        const name = at > 0 ? item.slice(0, at) : '';
        if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name) || !item.slice(at + 1).startsWith('scrypt$')) {
          problems.push(`DESK_AGENTS must list name:scrypt$... pairs, comma-separated (got an entry for "${name || '?'}")`); // never echo a hash
          return [];
        }
        return [{ name, hash: item.slice(at + 1) }];
      }),
      handoffTimeoutSeconds: int('HANDOFF_TIMEOUT_SECONDS', 180, 1, 86_400),
      hours: ((raw: string) => { const r = parseHours(raw); if (typeof r === 'string') problems.push(r); return raw; })(str('DESK_HOURS')),
      timeZone: str('DESK_TIME_ZONE', 'Asia/Shanghai'),
      sessionHours: int('DESK_SESSION_HOURS', 12, 1, 168),
      trainingDir: path.resolve(REPO_ROOT, str('DESK_TRAINING_DIR', 'knowledge/training')),
    },
    ...overrides,
  };

  if (config.microsoftAppType === 'SingleTenant' && config.microsoftAppId && !config.microsoftAppTenantId) {
    problems.push('MicrosoftAppTenantId is required when MicrosoftAppType is SingleTenant');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
