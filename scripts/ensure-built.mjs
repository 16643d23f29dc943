/**
 * `npm start` runs this first: it builds (compile, then train the models) only
 * when something the build reads changed since the last build, so a second
 * start goes straight to the server instead of compiling every time.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.built');
const SOURCES = ['bot', 'knowledge', 'dialogs', 'tickets', 'i18n', 'config', 'web', 'voice', 'assist', 'privacy', 'logging', 'storage', 'desk', 'bench'];
const FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), stat.mtimeMs);
}

const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const changed = Math.max(...SOURCES.map((d) => newest(path.join(root, d))), ...FILES.map((f) => newest(path.join(root, f))));
if (changed > built) {
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
  fs.writeFileSync(stamp, new Date().toISOString() + '\n');
}
