/** Reads a policy file; the only place the knowledge module touches the file system for policies. */
import fs from 'node:fs';
import path from 'node:path';
import type { PolicyDocument } from './passage.js';
import { parsePolicy } from './parsePolicy.js';

/** `buygogo-privacy-policy.zh-CN.txt` → `zh-CN`. */
export function localeFromFileName(file: string): string | undefined {
  return /\.(zh-CN|en-US|zh|en)\.[a-z]+$/i.exec(path.basename(file))?.[1]?.replace(/^zh$/i, 'zh-CN').replace(/^en$/i, 'en-US');
}

export function loadPolicy(file: string, locale?: string): PolicyDocument {
  const text = fs.readFileSync(file, 'utf8');
  const resolved = locale ?? localeFromFileName(file);
  return parsePolicy(text, resolved ? { locale: resolved } : {});
}
