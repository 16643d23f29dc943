/** Test support for the desk: an app with agents, and a signed-in agent's HTTP client. */
import { hashPassword } from '../../desk/auth.js';
import { startTestApp, tempDataDir, type Delivery, type TestApp } from '../support.js';

export const AGENTS = { anna: 'correct horse battery', ben: 'another long secret' } as const;

export async function deskAgentsEnv(): Promise<string> {
  return (await Promise.all(Object.entries(AGENTS).map(async ([name, pw]) => `${name}:${await hashPassword(pw)}`))).join(',');
}

export async function startDeskApp(env: Record<string, string> = {}, delivery: Delivery = 'expectReplies'): Promise<TestApp> {
  return startTestApp({ DESK_AGENTS: await deskAgentsEnv(), DESK_TRAINING_DIR: tempDataDir(), ...env }, { delivery });
}

export interface AgentClient {
  readonly cookie: string;
  readonly csrf: string;
  get(path: string): Promise<Response>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

const cookiePair = (setCookie: string | null, name: string): string =>
  (setCookie ?? '').split(/,(?=\s*\w+=)/).map((c) => c.trim().split(';')[0]!).find((c) => c.startsWith(`${name}=`)) ?? '';

/** GET /desk for the sign-in token, then POST /desk/login with it. */
export async function signInRaw(base: string, name: string, password: string, opts: { csrf?: 'omit' | 'forged' } = {}): Promise<Response> {
  const page = await fetch(`${base}/desk`);
  const loginCookie = cookiePair(page.headers.get('set-cookie'), 'desk_login_csrf');
  const token = /name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const headers: Record<string, string> = { 'content-type': 'application/json', cookie: loginCookie };
  if (opts.csrf !== 'omit') headers['x-csrf-token'] = opts.csrf === 'forged' ? `${token.slice(0, -2)}xx` : token;
  return fetch(`${base}/desk/login`, { method: 'POST', headers, body: JSON.stringify({ name, password }) });
}

export async function signIn(base: string, name: keyof typeof AGENTS = 'anna'): Promise<AgentClient> {
  const res = await signInRaw(base, name, AGENTS[name]);
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
  const cookie = cookiePair(res.headers.get('set-cookie'), 'desk_session');
  const { csrf } = (await res.json()) as { csrf: string };
  return {
    cookie, csrf,
    get: (path) => fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' }),
    post: (path, body, headers = {}) => fetch(`${base}${path}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf, ...headers }, body: JSON.stringify(body),
    }),
  };
}

/** Prometheus text → { 'name{labels}': value }. Throws on a line that is not exposition format. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|-Inf|NaN))$/;
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3] === '+Inf' ? Infinity : m[3]));
  }
  return out;
}
