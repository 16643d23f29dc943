/**
 * The assistant as a child process (server.ts), so a chaos test can kill it
 * with a real SIGKILL (no clean-up, no graceful close) and start it again on
 * the same port and data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '../../config/config.js';

/** A port nothing listens on now (the OS picks it), for a server started in another process. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** What the process wrote to stderr (its log lines), kept for a failing test to show. */
  readonly stderr: string[];
  /** SIGKILL, resolved once the process is gone. */
  kill9(): Promise<void>;
}

/** Starts test/chaos/server.ts with `env` on top of this process's environment; resolves once it listens. */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', path.join(REPO_ROOT, 'test/chaos/server.ts')], {
      cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const failed = (code: number | null): void => reject(new Error(`server exited with ${code} before listening: ${stderr.join('')}`));
    child.once('exit', failed);
    child.stdout!.once('data', () => {
      child.off('exit', failed);
      child.stdout!.resume(); // keep the pipe drained
      resolve({
        child, stderr,
        kill9: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
