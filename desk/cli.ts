/**
 * `npm run desk -- add-agent <name>`: adds (or resets) a desk agent in the
 * store, with the password read from the terminal (or DESK_PASSWORD).
 * `npm run desk -- hash`: prints a scrypt hash for DESK_AGENTS=name:hash.
 */
import 'dotenv/config';
import readline from 'node:readline';
import { loadConfig } from '../config/config.js';
import { openStore } from '../storage/open.js';
import { DeskAuth, hashPassword } from './auth.js';
import { ensureDeskSchema } from './schema.js';

const USAGE = `Usage: npm run desk -- add-agent <name>   add or reset an agent (password asked, or DESK_PASSWORD)
       npm run desk -- hash                print a hash for DESK_AGENTS=name:<hash>`;

async function askPassword(): Promise<string> {
  if (process.env.DESK_PASSWORD) return process.env.DESK_PASSWORD;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Nothing typed is echoed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => { if (s.includes('Password')) process.stderr.write(s); };
  const answer = await new Promise<string>((resolve) => rl.question('Password (10+ characters): ', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

const [command, name] = process.argv.slice(2);
try {
  if (command === 'hash') {
    process.stdout.write(`${await hashPassword(await askPassword())}\n`);
  } else if (command === 'add-agent' && name) {
    const config = loadConfig();
    const db = openStore(config);
    try {
      await ensureDeskSchema(db);
      await new DeskAuth(db, config.desk.agents, config.desk.sessionHours).addAgent(name, await askPassword());
      process.stdout.write(`Agent ${name} can sign in at /desk.\n`);
    } finally {
      await db.close();
    }
  } else {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
