/**
 * `npm run kb -- inspect [FILE] [--json]`: the passages as the parser sees
 * them, for whoever edits the policy.
 */
import path from 'node:path';
import { REPO_ROOT, DEFAULT_POLICY_FILES } from '../config/config.js';
import { loadPolicyTraced } from './loadPolicy.js';
import { inspectReport } from './parsePolicy.js';

const USAGE = `Usage: npm run kb -- inspect [FILE] [--json]
  inspect   print every passage with its id, label and title, then words in input vs in passages
            (warns and exits 1 when any are lost), the longest passage and long titles (default FILE: ${DEFAULT_POLICY_FILES[0]})
  --json    print the parsed document as JSON`;

const commands: Record<string, (args: string[]) => void> = {
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

const [command, ...rest] = process.argv.slice(2);
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write(`${command ? `Unknown command "${command}".\n` : ''}${USAGE}\n`);
  process.exit(2);
}
try {
  run(rest);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
