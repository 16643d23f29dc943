/**
 * The IPC side of a bench child process: tells the parent where it listens,
 * answers `stats` (RSS, CPU time) and stops on `stop`.
 */
export interface ChildStats {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** User + system CPU time of the process since it started, in microseconds. */
  readonly cpuMicros: number;
}

export type ParentMessage = { type: 'stats' } | { type: 'stop' };
export type ChildMessage = { type: 'listening'; url: string } | { type: 'stats'; stats: ChildStats };

export function serveBenchChild(url: string, close: () => Promise<void>): void {
  const send = (message: ChildMessage): void => { process.send?.(message); };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      send({ type: 'stats', stats: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system } });
    } else if (message.type === 'stop') {
      // process.exit after close: --cpu-prof writes its profile on a normal exit.
      void close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  send({ type: 'listening', url });
}
