/**
 * How the terminal chat shows a reply: the little Markdown the assistant
 * writes (**bold**, [links](/policy#…), "> " quotes, "- " lists) turned into
 * terminal text, links made absolute, and lines wrapped to the terminal's
 * width: at spaces for Latin text, anywhere between CJK characters (each two
 * columns wide). Pure: no I/O, so it is tested on its own.
 */

const BOLD = '\x1b[1m';
const NOT_BOLD = '\x1b[22m';
const UNDERLINE = '\x1b[4m';
const NOT_UNDERLINE = '\x1b[24m';
const ANSI = /\x1b\[[0-9;]*m/g;

export interface RenderOptions {
  /** Where relative links point: PUBLIC_URL, or http://localhost:PORT. */
  readonly baseUrl: string;
  /** Terminal styles (bold, underline); off when the output is not a terminal. */
  readonly color?: boolean;
  /** Columns to wrap at; 0 or less: no wrapping. */
  readonly width?: number;
}

/** PUBLIC_URL when set, else the local server's address. */
export function terminalBaseUrl(publicUrl: string, port: number): string {
  return (publicUrl || `http://localhost:${port}`).replace(/\/+$/, '');
}

/** A link's address as the user can open it. */
export function absoluteUrl(url: string, baseUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return baseUrl.replace(/\/+$/, '') + (url.startsWith('/') ? url : `/${url}`);
}

/** Markdown → terminal text (not yet wrapped). */
export function renderMarkdown(text: string, options: RenderOptions): string {
  const color = options.color ?? true;
  const b = (s: string): string => (color ? `${BOLD}${s}${NOT_BOLD}` : s);
  const u = (s: string): string => (color ? `${UNDERLINE}${s}${NOT_UNDERLINE}` : s);
  return text
    .replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => {
      const href = absoluteUrl(url, options.baseUrl);
      return label === url || label === href ? u(href) : `${label} ${u(href)}`;
    })
    .replace(/\*\*([^*\n]+)\*\*|__([^_\n]+)__/g, (_m, a?: string, c?: string) => b(a ?? c ?? ''))
    .replace(/^#{1,6}\s+(.+)$/gm, (_m, heading: string) => b(heading))
    .replace(/^(\s*)[-*]\s+/gm, '$1• ')
    .replace(/^>\s?/gm, '│ ');
}

/** Columns a string takes: escape codes none, wide (CJK, full-width) characters two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text.replace(ANSI, '')) width += charWidth(ch);
  return width;
}

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 32 || (cp >= 0x300 && cp < 0x370) || cp === 0x200b) return 0;
  return isWide(cp) ? 2 : 1;
}

function isWide(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff)
    || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf)
    || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f)
    || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff)
    || (cp >= 0x20000 && cp <= 0x3fffd);
}

/** Characters a line may break after or before without a space: CJK ideographs, kana, hangul, full-width. */
const BREAKS_ANYWHERE = /[\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60]/u;
/** CJK punctuation that must not start a line. */
const NO_LINE_START = /^[，。、；：？！）」』》〉】…,.;:?!)]/u;

/**
 * Wraps every line to `width` columns. Latin words move whole to the next line (a word longer than the
 * line is cut); between CJK characters a line can break anywhere. A continued "• " or "│ " line keeps its
 * indent. Escape codes take no room.
 */
export function wrapText(text: string, width: number): string {
  if (!(width > 0)) return text;
  return text.split('\n').map((line) => wrapLine(line, width)).join('\n');
}

function wrapLine(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  const lead = /^(\s*(?:• |│ )?)/.exec(line.replace(ANSI, ''))?.[1] ?? '';
  const indent = lead.startsWith('│') ? lead : ' '.repeat(displayWidth(lead));
  const room = Math.max(width - displayWidth(indent), 10);
  // Tokens: escape codes, runs of spaces, single CJK characters, and Latin words.
  const tokens = line.match(/\x1b\[[0-9;]*m|\s+|[\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60]|[^\s\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\x1b]+/gu) ?? [];
  const lines: string[] = [];
  let current = '';
  let used = 0;
  let limit = width;
  const breakLine = (): void => {
    lines.push(current.replace(/\s+$/, ''));
    current = indent;
    used = displayWidth(indent);
    limit = width;
  };
  for (const token of tokens) {
    if (token.startsWith('\x1b')) { current += token; continue; }
    const w = displayWidth(token);
    if (/^\s+$/.test(token)) {
      if (used + w <= limit) { current += token; used += w; } else if (used > displayWidth(indent)) breakLine();
      continue;
    }
    if (used + w <= limit) { current += token; used += w; continue; }
    // Full-width punctuation stays with the character before it, even one column over.
    if (NO_LINE_START.test(token) && BREAKS_ANYWHERE.test(token) && used + w <= limit + 2) { current += token; used += w; continue; }
    if (used > displayWidth(indent)) breakLine();
    let rest = token;
    while (displayWidth(rest) > room) {
      // A word longer than a whole line: cut it.
      let cut = '';
      for (const ch of rest) { if (displayWidth(cut + ch) > room) break; cut += ch; }
      current += cut;
      rest = rest.slice(cut.length);
      breakLine();
    }
    current += rest;
    used += displayWidth(rest);
  }
  lines.push(current.replace(/\s+$/, ''));
  return lines.join('\n');
}

/** The whole thing: Markdown rendered, then wrapped. */
export function renderForTerminal(text: string, options: RenderOptions): string {
  return wrapText(renderMarkdown(text, options), options.width ?? 0);
}
