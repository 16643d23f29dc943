/** Reads a policy file; the only place the knowledge module touches the file system for policies. */
import fs from 'node:fs';
import path from 'node:path';
import type { PolicyDocument } from './passage.js';
import { parsePolicyTraced, type ParseTrace } from './parsePolicy.js';

/** `buygogo-privacy-policy.zh-CN.txt` → `zh-CN`. */
export function localeFromFileName(file: string): string | undefined {
  return /\.(zh-CN|en-US|zh|en)\.[a-z]+$/i.exec(path.basename(file))?.[1]?.replace(/^zh$/i, 'zh-CN').replace(/^en$/i, 'en-US');
}

export function loadPolicy(file: string, locale?: string): PolicyDocument {
  return loadPolicyTraced(file, locale).document;
}

/** Reads a policy file and says which of its lines went into which passage (for `kb inspect`). */
export function loadPolicyTraced(file: string, locale?: string): ParseTrace {
  const text = fs.readFileSync(file, 'utf8');
  const resolved = locale ?? localeFromFileName(file);
  return parsePolicyTraced(text, resolved ? { locale: resolved } : {});
}
