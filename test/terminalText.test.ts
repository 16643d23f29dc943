/** The terminal chat's rendering: Markdown to terminal text, absolute links, wrapping in both scripts. */
import { describe, expect, it } from 'vitest';
import { absoluteUrl, displayWidth, renderForTerminal, renderMarkdown, terminalBaseUrl, wrapText } from '../bot/terminalText.js';

const base = 'http://localhost:3978';
const plain = { baseUrl: base, color: false } as const;
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('renderMarkdown', () => {
  it('turns **bold** into terminal bold, with no asterisks left', () => {
    const out = renderMarkdown('Say **talk to a person** for help.', { baseUrl: base });
    expect(out).toBe('Say \x1b[1mtalk to a person\x1b[22m for help.');
    expect(renderMarkdown('说 **转人工**。', plain)).toBe('说 转人工。');
  });

  it('shows links with an absolute address: the local server, or PUBLIC_URL', () => {
    const cited = '— [Section 1.2(2) · Your location information](/policy#1.2.2)';
    expect(renderMarkdown(cited, plain)).toBe('— Section 1.2(2) · Your location information http://localhost:3978/policy#1.2.2');
    expect(renderMarkdown('[第5条](/policy?lang=zh-CN#5)', { baseUrl: 'https://help.buygogo.example', color: false }))
      .toBe('第5条 https://help.buygogo.example/policy?lang=zh-CN#5');
    expect(renderMarkdown('[https://x.example/a](https://x.example/a)', plain)).toBe('https://x.example/a');
  });

  it('turns lists and quotes into terminal marks', () => {
    expect(renderMarkdown('- one\n- two\n> quoted', plain)).toBe('• one\n• two\n│ quoted');
  });
});

describe('terminalBaseUrl / absoluteUrl', () => {
  it('prefers PUBLIC_URL and falls back to localhost:PORT', () => {
    expect(terminalBaseUrl('', 3978)).toBe('http://localhost:3978');
    expect(terminalBaseUrl('https://help.example/', 3978)).toBe('https://help.example');
    expect(absoluteUrl('/policy#1', 'http://localhost:4000')).toBe('http://localhost:4000/policy#1');
    expect(absoluteUrl('mailto:privacy@example.com', base)).toBe('mailto:privacy@example.com');
  });
});

describe('wrapText', () => {
  it('breaks Latin text at word boundaries, never inside a word', () => {
    const text = 'Buygogo may read your location when you download or use the app, unless you turn location services off.';
    const lines = wrapText(text, 30).split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(30);
    expect(lines.join(' ')).toBe(text);
  });

  it('breaks Chinese anywhere, counting each character as two columns, and keeps punctuation off the line start', () => {
    const text = '您可以在页面的“个人中心”中找到设置，查看您向百购提交的全部个人信息，也可以通过上述渠道更新您的个人信息。';
    const lines = wrapText(text, 20).split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      expect(displayWidth(line)).toBeLessThanOrEqual(22);
      expect(line).not.toMatch(/^[，。、]/);
    }
    expect(lines.join('')).toBe(text);
  });

  it('mixes both: English words stay whole inside Chinese text', () => {
    const lines = wrapText('请在 Personal Center 里打开 Settings 页面查看您的信息', 16).split('\n');
    expect(lines.join('\n')).not.toMatch(/Perso\n|Setti\n/);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(16);
  });

  it('ignores escape codes when measuring, and indents a wrapped list item under its text', () => {
    const out = renderForTerminal('- **Report a leak**: if your account, password or personal data leaked.', { baseUrl: base, width: 30 });
    const lines = strip(out).split('\n');
    expect(lines[0]).toBe('• Report a leak: if your');
    for (const line of lines.slice(1)) expect(line.startsWith('  ')).toBe(true);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
  });

  it('cuts only a word longer than the line', () => {
    const url = 'http://localhost:3978/policy?lang=zh-CN#1.2.2';
    const lines = wrapText(`see ${url}`, 20).split('\n');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(20);
    expect(lines.join('').replace(/^see/, '')).toBe(url);
  });

  it('leaves text alone without a width', () => {
    expect(wrapText('a b c', 0)).toBe('a b c');
  });
});
