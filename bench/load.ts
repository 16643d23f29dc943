/**
 * `npm run load`: the project's turn against a plain Bot Framework echo bot,
 * side by side in one run. Each server runs in its own child process
 * (bench/projectServer.ts: the whole app from bot/createApp.ts with a temporary
 * DATA_DIR, LOG_LEVEL=warn and a message budget too high to matter;
 * bench/echoBot.ts: botbuilder CloudAdapter + restify echoing the text).
 * autocannon POSTs /api/messages with deliveryMode expectReplies, rotating 20
 * English and Chinese policy questions (bench/questions.ts), every request a
 * new activity id; each connection is one conversation of LOAD_TURNS_PER_CONVERSATION
 * turns, then a new one. At 1, 8 and 32 connections it prints req/s, p99 and
 * the ratio project/echo, then the CPU time per turn and the RSS of both
 * processes after the run. The children run compiled (dist/bench, built
 * first when sources changed, as `npm start` does); LOAD_TSX=1: from source.
 *
 * The two children are measured in alternating windows (LOAD_WINDOWS, default 4, per child and number of
 * connections), so drift in the machine's load weighs on both alike.
 *
 * Environment: LOAD_SECONDS (default 8) per measurement, LOAD_CONNECTIONS
 * (default 1,8,32), ROUTE_CACHE_SIZE=0 routes every message afresh in the project child (by default the rotating
 * questions' decisions are remembered, as repeated questions are in production: knowledge/routeCache.ts), LOAD_PROFILE=1 writes a CPU profile of the project child
 * (node --cpu-prof) into <tmpdir>/assistant-load-profiles/, LOAD_SOAK_TURNS=n
 * then drives each child n more turns at 32 connections and prints the RSS
 * after all of them (LOAD_SOAK_TURNS=45000 for the 50k-turn memory bar).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildStats } from './child.js';
import { LOAD_QUESTIONS } from './questions.js';

const require = createRequire(import.meta.url);
// autocannon ships no types; the few fields used here are typed below.
// In promise form it returns an event emitter that is also a promise of the result.
type AutocannonRun = Promise<AutocannonResult> & {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): unknown;
};
const autocannon = require('autocannon') as (options: Record<string, unknown>) => AutocannonRun;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.LOAD_SECONDS ?? 8);
/** Each child's SECONDS at one number of connections is cut into this many windows, alternating with the other's. */
const WINDOWS = Math.max(1, Number(process.env.LOAD_WINDOWS ?? 4));
const CONNECTIONS = (process.env.LOAD_CONNECTIONS ?? '1,8,32').split(',').map(Number);
const TURNS_PER_CONVERSATION = Number(process.env.LOAD_TURNS_PER_CONVERSATION ?? 20);
const PROFILE = process.env.LOAD_PROFILE === '1';
const SOAK_TURNS = Number(process.env.LOAD_SOAK_TURNS ?? 0);
const PROFILE_DIR = path.join(os.tmpdir(), 'assistant-load-profiles');

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly url: string;
}

/**
 * Both children run compiled (dist/bench, built first when sources changed, as `npm start` builds): plain Node
 * on JavaScript, as in production, without a TypeScript loader's hooks and compile cache in their memory and CPU
 * figures (through tsx, the echo bot alone sat at ~250 MiB). LOAD_TSX=1 runs them from source through tsx.
 */
const ROOT = path.resolve(HERE, '..');
const FROM_SOURCE = process.env.LOAD_TSX === '1';
if (!FROM_SOURCE) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-built.mjs')], { stdio: 'inherit' });

async function start(name: string, script: string, profile: boolean): Promise<Child> {
  const execArgv = [...(FROM_SOURCE ? ['--import', 'tsx'] : []), '--disable-warning=DEP0111'];
  if (profile) execArgv.push('--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`);
  const file = FROM_SOURCE ? path.join(HERE, script) : path.join(ROOT, 'dist', 'bench', script.replace(/\.ts$/, '.js'));
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    child.on('message', (m: ChildMessage) => { if (m.type === 'listening') resolve(m.url); });
  });
  return { name, process: child, url };
}

function stats(child: Child): Promise<ChildStats> {
  return new Promise((resolve) => {
    const onMessage = (m: ChildMessage): void => {
      if (m.type !== 'stats') return;
      child.process.off('message', onMessage);
      resolve(m.stats);
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'stats' });
  });
}

function stop(child: Child): Promise<void> {
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.send({ type: 'stop' });
  });
}

let runId = 0;

/**
 * One activity body per request: a fresh id, the connection's conversation, the next question. autocannon keeps
 * a context per connection through its list of requests and resets it at the end of the list: the list is one
 * conversation of TURNS_PER_CONVERSATION turns, and the next round starts a new one.
 */
function conversationOf(connectionTag: string) {
  return Array.from({ length: TURNS_PER_CONVERSATION }, () => ({
    method: 'POST',
    path: '/api/messages',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: Record<string, unknown>, context: { n?: number; conversation?: number }) => {
      const n = context.n ?? 0;
      context.n = n + 1;
      if (n === 0) context.conversation = ++runId;
      const conversation = `load-${connectionTag}-${context.conversation}`;
      const q = LOAD_QUESTIONS[(context.conversation! + n) % LOAD_QUESTIONS.length]!;
      const body = {
        type: 'message',
        id: `a-${context.conversation}-${n}`,
        text: q.text,
        locale: q.locale,
        channelId: 'load',
        serviceUrl: 'http://127.0.0.1/load',
        deliveryMode: 'expectReplies',
        conversation: { id: conversation },
        from: { id: `user-${conversation}`, name: 'Load' },
        recipient: { id: 'bot', name: 'Assistant' },
      };
      return { ...req, body: JSON.stringify(body) };
    },
  }));
}

/** Turns each child has answered since it started (warm-up and soak included). */
const turnsServed = new Map<string, number>();

/** Drives a child for `seconds`, or for `amount` requests when given. */
async function drive(child: Child, connections: number, seconds: number, amount?: number): Promise<AutocannonResult & { turns: number; cpuMsPerTurn: number; latenciesMs: number[] }> {
  const before = await stats(child);
  const run = autocannon({
    url: child.url,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    requests: conversationOf(`${child.name}-${connections}`),
    initialContext: {},
  });
  // Every response's latency, so that windows combine into one exact p99.
  const latenciesMs: number[] = [];
  run.on('response', (_client, _status, _bytes, ms) => latenciesMs.push(ms));
  const result = await run;
  const after = await stats(child);
  const turns = result.requests.total;
  turnsServed.set(child.name, (turnsServed.get(child.name) ?? 0) + turns);
  return { ...result, turns, cpuMsPerTurn: turns > 0 ? (after.cpuMicros - before.cpuMicros) / 1000 / turns : 0, latenciesMs };
}

/** The q-quantile (0-1) of `values`, nearest rank. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

type Measured = Awaited<ReturnType<typeof drive>>;

/**
 * Both children at one number of connections, in alternating windows (project, echo, project, ...; WINDOWS of
 * each, SECONDS in all per child), so a machine that gets busier or quieter during the run weighs on both alike:
 * measured one after the other in one window each, the ratio swung by 0.1 between runs. Requests per second are
 * the mean of a child's (equal) windows; p99 is over every response of all its windows.
 */
async function sideBySide(a: Child, b: Child, connections: number): Promise<[Measured, Measured]> {
  const windows: [Measured[], Measured[]] = [[], []];
  for (let w = 0; w < WINDOWS; w++) {
    windows[0].push(await drive(a, connections, SECONDS / WINDOWS));
    windows[1].push(await drive(b, connections, SECONDS / WINDOWS));
  }
  return [combine(windows[0]), combine(windows[1])];
}

function combine(parts: readonly Measured[]): Measured {
  const sum = (f: (m: Measured) => number): number => parts.reduce((t, m) => t + f(m), 0);
  const turns = sum((m) => m.turns);
  const latenciesMs = parts.flatMap((m) => m.latenciesMs);
  return {
    ...parts[0]!,
    requests: { total: sum((m) => m.requests.total), average: sum((m) => m.requests.average) / parts.length }, // equal windows
    latency: {
      p50: quantile(latenciesMs, 0.5),
      p99: quantile(latenciesMs, 0.99),
      average: sum((m) => m.latency.average * m.turns) / Math.max(1, turns),
    },
    latenciesMs,
    non2xx: sum((m) => m.non2xx), errors: sum((m) => m.errors), timeouts: sum((m) => m.timeouts), '2xx': sum((m) => m['2xx']),
    turns,
    cpuMsPerTurn: sum((m) => m.cpuMsPerTurn * m.turns) / Math.max(1, turns),
  };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number): string => `${fmt(bytes / 1024 / 1024)} MiB`;

const project = await start('project', 'projectServer.ts', PROFILE);
const echo = await start('echo', 'echoBot.ts', false);
try {
  // A sanity turn: the project must answer the questions (not fall back), or the comparison means nothing.
  const probe = await fetch(`${project.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message', id: 'probe', text: LOAD_QUESTIONS[0]!.text, locale: 'en-US', channelId: 'load', serviceUrl: 'http://127.0.0.1/load',
      deliveryMode: 'expectReplies', conversation: { id: 'probe' }, from: { id: 'probe' }, recipient: { id: 'bot' },
    }),
  });
  const kinds = ((await probe.json()) as { activities: { channelData?: { assistant?: { kind?: string } } }[] }).activities
    .map((a) => a.channelData?.assistant?.kind);
  if (probe.status !== 200 || !kinds.includes('answer')) throw new Error(`the project did not answer the probe question (${probe.status}, ${kinds.join(',')})`);

  // Warm-up (JIT, caches, SQLite pages) for both, not measured.
  for (const child of [project, echo]) await drive(child, 8, Math.min(3, SECONDS));

  const rows: string[] = [];
  let problems = 0;
  let projectTurns = 0;
  const cpu: { project: number[]; echo: number[] } = { project: [], echo: [] };
  for (const connections of CONNECTIONS) {
    const [p, e] = await sideBySide(project, echo, connections);
    projectTurns += p.turns;
    cpu.project.push(p.cpuMsPerTurn);
    cpu.echo.push(e.cpuMsPerTurn);
    for (const [name, r] of [['project', p], ['echo', e]] as const) {
      const bad = r.non2xx + r.errors + r.timeouts;
      if (bad > 0) { problems += bad; console.error(`${name} at ${connections} connections: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`); }
    }
    rows.push(`| ${connections} | ${fmt(p.requests.average)} | ${fmt(e.requests.average)} | ${fmt(p.requests.average / e.requests.average, 2)} | ${fmt(p.latency.p99, 1)} ms | ${fmt(e.latency.p99, 1)} ms | ${fmt(p.latency.p99 / Math.max(0.1, e.latency.p99), 1)} |`);
    console.error(`  ${connections} connections done`);
  }
  const [ps, es] = [await stats(project), await stats(echo)];
  // A soak: both children answer SOAK_TURNS more turns at 32 connections, then their memory is read again.
  const soaked: string[] = [];
  if (SOAK_TURNS > 0) {
    for (const child of [project, echo]) {
      const r = await drive(child, 32, 0, SOAK_TURNS);
      const bad = r.non2xx + r.errors + r.timeouts;
      if (bad > 0) { problems += bad; console.error(`${child.name} soak: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`); }
      const s = await stats(child);
      soaked.push(`${child.name} ${mib(s.rssBytes)} (heap ${mib(s.heapUsedBytes)}) after ${fmt(turnsServed.get(child.name) ?? 0)} turns in all`);
    }
    console.error('  soak done');
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

  console.log(`\nPOST /api/messages (expectReplies), ${LOAD_QUESTIONS.length} rotating en/zh policy questions, ${SECONDS} s per row and server, in ${WINDOWS} alternating windows\n`);
  console.log('| connections | project req/s | echo req/s | ratio project/echo | project p99 | echo p99 | p99 ratio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  const routeCache = process.env.ROUTE_CACHE_SIZE ?? 'default (2000)';
  console.log(`\nDecisions remembered (ROUTE_CACHE_SIZE): ${routeCache}; ${routeCache === '0' ? 'every message routed afresh' : `the ${LOAD_QUESTIONS.length} questions repeat, so turns after the first reuse a decision (ROUTE_CACHE_SIZE=0 routes every one)`}`);
  console.log(`CPU per turn: project ${fmt(mean(cpu.project), 2)} ms, echo ${fmt(mean(cpu.echo), 2)} ms`);
  console.log(`RSS after the run: project ${mib(ps.rssBytes)} (heap ${mib(ps.heapUsedBytes)}, ${fmt(projectTurns)} measured turns), echo ${mib(es.rssBytes)}`);
  if (soaked.length > 0) console.log(`RSS after the soak (${fmt(SOAK_TURNS)} turns each at 32 connections): ${soaked.join('; ')}`);
  if (problems > 0) console.log(`\n${problems} requests failed (see above)`);
} finally {
  await Promise.all([stop(project), stop(echo)]);
}
if (PROFILE) console.log(`CPU profile of the project child written to ${PROFILE_DIR}`);
