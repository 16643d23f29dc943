/**
 * `npm run kb -- inspect [FILE] [--json]`: the passages as the parser sees
 * them, for whoever edits the policy. `check` and `stamp` keep the training
 * data and reply aids bound to the passage text they were written for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, DEFAULT_POLICY_FILES } from '../config/config.js';
import { loadPolicyTraced } from './loadPolicy.js';
import { inspectReport } from './parsePolicy.js';
import { applySuggestions } from '../desk/improve.js';
import { loadPolicy } from './loadPolicy.js';
import { KNOWLEDGE_DATA_DIR, loadKnowledgeBase, loadTokenizers, preparePolicies, TRAINING_DIR } from './knowledgeBase.js';
import { chooseExpansion, learnAssociations } from './learn/expansion.js';
import { readPolicyQa } from './learn/policyQa.js';
import { trainMissingModels } from './trainModels.js';
import { assembleTrainingSet, fingerprintOf, readTrainingFiles, stampTrainingFile } from './learn/trainingData.js';

const USAGE = `Usage: npm run kb -- inspect [FILE] [--json]
  inspect   print every passage with its id, label and title, then words in input vs in passages
            (warns and exits 1 when any are lost), the longest passage and long titles (default FILE: ${DEFAULT_POLICY_FILES[0]})
  --json    print the parsed document as JSON
       check [FILES]  for each policy file: passages whose training data or aids were written for another
            text (stale, never applied), passages with none, and unstamped data; exits 1 on stale data
       stamp [FILES]  record the current passage fingerprints in the training data and aids (after review)
       train [FILES] [--cache DIR]  train the models these policies lack into .cache/models (or DIR), one worker thread
            per policy (npm run build does this, so a start loads them)
       learn-expansion SQUAD_JSON  learn question expansion for policies with no data of their own from question-answering
            data about other policies (PolicyQA's SQuAD-format files), choose its weight by policy-level cross-validation,
            and write knowledge/data/expansion.en-US.json`;

const policyFiles = (args: string[]): string[] => {
  const given = args.filter((a) => !a.startsWith('--'));
  // A JSON file here is a training file mistaken for a policy: parsed as policy text it would stamp every
  // training file of that locale with another text's fingerprints.
  const json = given.find((a) => a.endsWith('.json'));
  if (json) throw new Error(`${json} is not a policy file: these commands take policy texts (.txt, .md) and cover every training file of their locale`);
  return (given.length > 0 ? given : [...DEFAULT_POLICY_FILES]).map((f) => path.resolve(REPO_ROOT, f));
};

const commands: Record<string, (args: string[]) => void | Promise<void>> = {
  'apply-suggestions'(args) {
    const dir = args[0] ? path.resolve(args[0]) : path.resolve(REPO_ROOT, 'knowledge/training');
    const docs = DEFAULT_POLICY_FILES.map((f) => loadPolicy(path.resolve(REPO_ROOT, f)));
    const moved = applySuggestions(dir, (locale) => docs.find((d) => d.locale === locale)?.passages);
    const total = Object.values(moved).reduce((a, b) => a + b, 0);
    process.stdout.write(total === 0 ? 'No reviewed suggestion to apply.\n'
      : `${Object.entries(moved).map(([l, n]) => `${l}: ${n} applied to ${path.join(dir, l, 'suggested.json')}`).join('\n')}\nRestart the assistant to train on them.\n`);
  },
  inspect(args) {
    const json = args.includes('--json');
    const given = args.find((a) => !a.startsWith('--'));
    const trace = loadPolicyTraced(given ? path.resolve(given) : path.resolve(REPO_ROOT, DEFAULT_POLICY_FILES[0]!));
    const doc = trace.document;
    if (json) {
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      return;
    }
    process.stdout.write(`${doc.title} (${doc.locale}${doc.updated ? `, updated ${doc.updated}` : ''})\n\n`);
    for (const p of doc.passages) {
      const preview = p.text.replace(/\s+/g, ' ').slice(0, 80);
      process.stdout.write(`${p.id.padEnd(7)} ${p.label}  ·  ${p.title}\n        ${preview}${p.text.length > 80 ? '…' : ''}\n`);
    }
    process.stdout.write(`\n${doc.passages.length} passages\n`);
    const report = inspectReport(trace);
    process.stdout.write(report.lines.join('\n') + '\n');
    if (!report.ok) {
      process.stderr.write(`${report.lines.filter((l) => l.startsWith('!!!')).join('\n')}\n`);
      process.exitCode = 1;
    }
  },
};

commands.check = (args) => {
  let stale = 0;
  for (const file of policyFiles(args)) {
    const doc = loadPolicy(file);
    const set = assembleTrainingSet(readTrainingFiles(path.join(TRAINING_DIR, doc.locale)), doc.passages);
    const aids = readAids(doc.locale);
    const staleAids = doc.passages.filter((p) => aids[p.id] && aids[p.id]!.fingerprint !== fingerprintOf(p)).map((p) => p.id);
    stale += set.stale.length + staleAids.length;
    const line = (label: string, ids: readonly string[]): string => `  ${label.padEnd(30)} ${ids.length}${ids.length ? `  ${ids.join(' ')}` : ''}`;
    process.stdout.write(`${path.relative(REPO_ROOT, file)} (${doc.locale}, ${doc.passages.length} passages)\n`);
    process.stdout.write([
      line('stale training data (ignored)', set.stale), line('stale aids (ignored)', staleAids),
      line('no training data', set.missing), line('unstamped training data', set.unstamped),
      line('not-covered topics for another text', set.staleTopics),
    ].join('\n') + '\n');
  }
  if (stale > 0) process.exitCode = 1;
};

commands.train = async (args) => {
  const started = performance.now();
  const at = args.indexOf('--cache');
  const options = at >= 0 ? { modelCacheDir: path.resolve(args[at + 1] ?? '') } : {};
  const files = policyFiles(args.filter((_, i) => i !== at && i !== at + 1));
  const prepared = preparePolicies(files, options);
  const trained = await trainMissingModels(files, { ...options, prepared });
  const kb = loadKnowledgeBase(files, { ...options, prepared, trained });
  process.stdout.write(`Models for ${kb.locales.join(', ')} ready in ${Math.round(performance.now() - started)} ms `
    + `(${trained.length} trained, side by side; ${files.length - trained.length} from the cache)\n`);
};

commands['learn-expansion'] = (args) => {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('learn-expansion needs a SQuAD-format file, e.g. PolicyQA\'s data/dev.json');
  const policies = readPolicyQa(path.resolve(file), loadTokenizers(KNOWLEDGE_DATA_DIR, { plain: true }));
  const choice = chooseExpansion(policies);
  const questions = policies.reduce((n, p) => n + p.questions.length, 0);
  const associations = learnAssociations(policies.flatMap((p) => p.questions));
  const pct = (x: number): string => (100 * x).toFixed(1);
  const about = `Learned by npm run kb -- learn-expansion from ${path.basename(file)} (${policies.length} policies, ${questions} answered questions; `
    + `PolicyQA, github.com/wasiahmad/PolicyQA, MIT). Policy-level 2-fold CV, right passage first by lexical retrieval: `
    + `${pct(choice.plainTop1)}% without expansion, ${pct(choice.expandedTop1)}% with weight ${choice.weight}, limit ${choice.limit}.`;
  const out = path.join(KNOWLEDGE_DATA_DIR, 'expansion.en-US.json');
  fs.writeFileSync(out, JSON.stringify({ _about: about, weight: choice.weight, limit: choice.limit, associations }) + '\n');
  process.stdout.write(`${about}\nWrote ${path.relative(REPO_ROOT, out)} (${Object.keys(associations).length} question words)\n`);
};

commands.stamp = (args) => {
  for (const file of policyFiles(args)) {
    const doc = loadPolicy(file);
    const dir = path.join(TRAINING_DIR, doc.locale);
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')) : []) {
      const { stamped, unknown } = stampTrainingFile(path.join(dir, f), doc.passages);
      process.stdout.write(`${doc.locale}/${f}: stamped ${stamped.length}${unknown.length ? `, not in this policy: ${unknown.join(' ')}` : ''}\n`);
    }
    const aidsFile = path.join(KNOWLEDGE_DATA_DIR, `passages.${doc.locale}.json`);
    if (fs.existsSync(aidsFile)) {
      const aids = readAids(doc.locale);
      const before = JSON.stringify(aids);
      for (const p of doc.passages) if (aids[p.id]) aids[p.id] = { ...aids[p.id]!, fingerprint: fingerprintOf(p) };
      if (JSON.stringify(aids) !== before) fs.writeFileSync(aidsFile, JSON.stringify(aids, null, 2) + '\n');
    }
  }
};

function readAids(locale: string): Record<string, { fingerprint?: string }> {
  const file = path.join(KNOWLEDGE_DATA_DIR, `passages.${locale}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { fingerprint?: string }>) : {};
}

const [command, ...rest] = process.argv.slice(2);
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write(`${command ? `Unknown command "${command}".\n` : ''}${USAGE}\n`);
  process.exit(2);
}
try {
  await run(rest);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
