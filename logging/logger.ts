/**
 * A small prefixed logger. Every line is masked for personal data and stripped
 * of control characters (a user's text must never forge log lines), then written
 * as one JSON object, so a log shipper can parse it.
 */
import fs from 'node:fs';
import { maskPersonalData } from '../privacy/mask.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(prefix: string): Logger;
}

export type LogSink = (line: string) => void;

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function sanitize(value: string): string {
  return maskPersonalData(value.replace(CONTROL, ' '));
}

/**
 * The default sink: lines (already masked) collected and written to stderr once per turn of the event loop, in
 * one write, instead of one synchronous write per line on the request's path. Whatever is still buffered when
 * the process exits (process.exit, a crash) is written synchronously then.
 */
export function bufferedStderrSink(): LogSink {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    process.stderr.write(chunk);
  };
  process.on('exit', () => {
    if (pending.length === 0) return;
    const chunk = pending.join('');
    pending = [];
    try { fs.writeSync(2, chunk); } catch { /* stderr closed: nothing left to tell */ }
  });
  return (line) => {
    pending.push(`${line}\n`);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush).unref();
    }
  };
}

let defaultSink: LogSink | undefined;
const stderrSink = (): LogSink => (defaultSink ??= bufferedStderrSink());

export function createLogger(level: LogLevel = 'info', sink: LogSink = stderrSink(), prefix = 'assistant'): Logger {
  const write = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const record = { time: new Date().toISOString(), level: lvl, module: prefix, msg, ...fields };
    // Masking the serialised line covers nested fields and error messages alike.
    sink(sanitize(JSON.stringify(record, errorReplacer)));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (p) => createLogger(level, sink, `${prefix}:${p}`),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
