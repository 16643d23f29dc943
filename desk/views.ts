/**
 * The desk's pages, rendered on the server from the `desk` i18n namespace.
 * Every value is escaped; the only script is /desk/static/desk.js.
 */
import type { TFunction } from '../i18n/i18n.js';
import type { Locale } from '../i18n/locale.js';
import { escapeMarkup as h } from '../web/escape.js';
import type { Ticket } from '../tickets/ticket.js';
import { CONTACT_FIELDS, TICKET_STATUSES } from '../tickets/ticket.js';
import { maskPersonalData } from '../privacy/mask.js';
import type { AuditEntry } from './audit.js';
import type { Handoff, TranscriptLine } from './live.js';
import type { QueueFilter, QueueItem } from './queue.js';
import type { ImproveGroup, Suggestion } from './improve.js';

export interface ViewContext {
  readonly t: TFunction;
  readonly lang: Locale;
  readonly timeZone: string;
  readonly agent?: string;
  readonly csrf?: string;
  readonly now: number;
}

const withLang = (v: ViewContext, href: string): string => (v.lang === 'en-US' ? href : `${href}${href.includes('?') ? '&' : '?'}lang=${v.lang}`);

export function when(v: ViewContext, isoTime: string | null | undefined): string {
  if (!isoTime) return '';
  return new Intl.DateTimeFormat(v.lang, { timeZone: v.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(new Date(isoTime));
}

export function duration(ms: number, lang: Locale): string {
  const m = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(m / 1440), hr = Math.floor((m % 1440) / 60), min = m % 60;
  const zh = lang === 'zh-CN';
  const parts = [d ? `${d}${zh ? '天' : 'd'}` : '', hr ? `${hr}${zh ? '小时' : 'h'}` : '', !d ? `${min}${zh ? '分钟' : 'min'}` : ''].filter(Boolean);
  return parts.join(zh ? '' : ' ');
}

export function layout(v: ViewContext, title: string, body: string, active = ''): string {
  const { t } = v;
  const other = v.lang === 'en-US' ? 'zh-CN' : 'en-US';
  const tab = (key: string, href: string): string =>
    `<a href="${h(withLang(v, href))}"${active === key ? ' aria-current="page"' : ''}>${h(t(`page.${key}`))}</a>`;
  return `<!doctype html>
<html lang="${v.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${v.csrf ? `<meta name="csrf-token" content="${h(v.csrf)}">` : ''}
<title>${h(title)} · ${h(t('page.title'))}</title>
<link rel="stylesheet" href="/desk/static/desk.css">
<script src="/desk/static/desk.js" defer></script>
</head>
<body data-lang="${v.lang}">
<header class="desk-bar">
  <strong>${h(t('page.title'))}</strong>
  ${v.agent ? `<nav>${tab('queue', '/desk')}${tab('improve', '/desk/improve')}${tab('dashboard', '/desk/dashboard')}</nav>` : ''}
  <span class="spacer"></span>
  <a id="language" href="?lang=${other}">${h(t('page.language'))}</a>
  ${v.agent ? `<span class="who">${h(t('page.signedInAs', { name: v.agent }))}</span>
  <form data-api="/desk/logout" data-go="/desk"><button type="submit" id="sign-out">${h(t('page.signOut'))}</button></form>` : ''}
</header>
<main>
${body}
<p id="desk-error" class="error" role="alert" hidden data-csrf="${h(t('errors.csrf'))}" data-conflict="${h(t('errors.conflict'))}" data-not-delivered="${h(t('errors.notDelivered'))}"></p>
</main>
</body>
</html>`;
}

export function loginPage(v: ViewContext): string {
  const { t } = v;
  return layout(v, t('page.signIn'), `<h1>${h(t('page.signIn'))}</h1>
<form id="sign-in" data-api="/desk/login" data-go="${h(withLang(v, '/desk'))}" class="card narrow">
  <label>${h(t('page.name'))} <input name="name" autocomplete="username" required></label>
  <label>${h(t('page.password'))} <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">${h(t('page.signIn'))}</button>
  <p class="error" data-failed="${h(t('page.signInFailed'))}" hidden></p>
</form>`);
}

export function liveList(v: ViewContext, handoffs: readonly Handoff[]): string {
  const { t } = v;
  if (handoffs.length === 0) return `<p class="muted">${h(t('queue.noLive'))}</p>`;
  return `<table class="live"><tbody>${handoffs.map((x) => `<tr class="${x.status}">
  <td><a class="live-link" href="${h(withLang(v, `/desk/live/${x.id}`))}">${h(t(`reasons.${x.reason}`, { defaultValue: x.reason }))}</a></td>
  <td>${h(x.channelId)}</td>
  <td>${h(x.status === 'waiting' ? t('queue.waitingSince', { time: duration(v.now - Date.parse(x.createdAt), v.lang) }) : t('queue.heldBy', { name: x.agent ?? '' }))}</td>
  <td>${x.ticketId ? `<a href="${h(withLang(v, `/desk/tickets/${x.ticketId}`))}">${h(x.ticketId)}</a>` : ''}</td>
</tr>`).join('')}</tbody></table>`;
}

export function queuePage(v: ViewContext, items: readonly QueueItem[], live: readonly Handoff[], filter: QueueFilter, kinds: readonly string[]): string {
  const { t } = v;
  const option = (value: string, label: string, selected: boolean): string => `<option value="${h(value)}"${selected ? ' selected' : ''}>${h(label)}</option>`;
  const rows = items.map((i) => `<tr class="${i.overdue ? 'overdue' : ''} ${i.ticket.priority}">
  <td><a class="ticket-link" href="${h(withLang(v, `/desk/tickets/${i.ticket.id}`))}">${h(i.ticket.id)}</a></td>
  <td>${h(t(`kinds.${i.ticket.kind}`))}</td>
  <td>${h(t(`priorities.${i.ticket.priority}`))}</td>
  <td>${h(t(`statuses.${i.ticket.status}`))}</td>
  <td>${h(when(v, i.ticket.createdAt))}</td>
  <td class="clock">${h(t(`queue.clock_${i.clock}`))}: ${h(when(v, i.dueAt))}<br><b>${h(i.overdue
    ? t('queue.overdue', { time: duration(i.remainingMs, v.lang) }) : t('queue.left', { time: duration(i.remainingMs, v.lang) }))}</b></td>
</tr>`).join('');
  return layout(v, t('page.queue'), `<h1>${h(t('queue.liveHeading'))}</h1>
<div id="live-list" data-src="${h(withLang(v, '/desk/fragments/live'))}">${liveList(v, live)}</div>
<h1>${h(t('queue.heading'))}</h1>
<form method="get" action="/desk" class="filters">
  ${v.lang !== 'en-US' ? `<input type="hidden" name="lang" value="${v.lang}">` : ''}
  <label>${h(t('queue.search'))} <input name="q" value="${h(filter.q ?? '')}" placeholder="LK-…"></label>
  <label>${h(t('queue.kind'))} <select name="kind">${option('', t('queue.any'), !filter.kind)}${kinds.map((k) => option(k, t(`kinds.${k}`), filter.kind === k)).join('')}</select></label>
  <label>${h(t('queue.status'))} <select name="status">${option('active', t('queue.active'), (filter.status ?? 'active') === 'active')}${TICKET_STATUSES.map((s) => option(s, t(`statuses.${s}`), filter.status === s)).join('')}</select></label>
  <label><input type="checkbox" name="overdue" value="1"${filter.overdueOnly ? ' checked' : ''}> ${h(t('queue.overdueOnly'))}</label>
  <button type="submit">${h(t('queue.filter'))}</button>
</form>
${items.length ? `<table class="queue"><thead><tr><th>${h(t('queue.reference'))}</th><th>${h(t('queue.kind'))}</th><th>${h(t('queue.priority'))}</th><th>${h(t('queue.status'))}</th><th>${h(t('queue.opened'))}</th><th>${h(t('queue.due'))}</th></tr></thead>
<tbody>${rows}</tbody></table>` : `<p class="muted">${h(t('queue.empty'))}</p>`}`, 'queue');
}

/** Markdown links and emphasis as plain text: the transcript shows what the user read, not the markup. */
const plain = (text: string): string => text.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/\*\*([^*]+)\*\*/g, '$1');

export function transcriptHtml(v: ViewContext, lines: readonly TranscriptLine[]): string {
  return lines.map((l) => `<li class="line ${l.role}" data-id="${l.id}"><span class="role">${h(l.name ?? v.t(`conversation.roles_${l.role}`))}</span> <span class="at">${h(when(v, l.at))}</span><div class="text">${h(plain(l.text))}</div></li>`).join('');
}

export function ticketPage(v: ViewContext, ticket: Ticket, transcript: readonly TranscriptLine[], audit: readonly AuditEntry[]): string {
  const { t } = v;
  // Contact fields are what the agent acts on; anything else is shown masked.
  const show = (key: string, value: string | readonly string[]): string => {
    const text = typeof value === 'string' ? value : value.join(', ');
    return CONTACT_FIELDS.includes(key) ? text : maskPersonalData(text);
  };
  const fields = Object.entries(ticket.fields).map(([k, val]) => `<tr><th>${h(k)}</th><td>${h(show(k, val))}</td></tr>`).join('');
  const status = (s: string | null): string => (s ? t(`statuses.${s}`) : '');
  const trail = audit.map((a) => `<tr><td>${h(a.actor)}</td><td>${h(a.action === 'status' ? t('ticket.action_status', { from: status(a.fromStatus), to: status(a.toStatus) }) : t(`ticket.action_${a.action}`, { defaultValue: a.action }))}${a.note ? `<div class="note">${h(a.note)}</div>` : ''}</td><td>${h(when(v, a.at))}</td></tr>`).join('');
  return layout(v, ticket.id, `<h1>${h(ticket.id)} · ${h(t(`kinds.${ticket.kind}`))}</h1>
<p><span class="badge ${ticket.priority}">${h(t(`priorities.${ticket.priority}`))}</span> <span class="badge" id="ticket-status">${h(status(ticket.status))}</span>
 ${ticket.dueDate ? ` · ${h(t('queue.clock_legal'))}: ${h(ticket.dueDate)}` : ''} · ${h(when(v, ticket.createdAt))} · ${h(ticket.locale)}</p>
<section class="card"><h2>${h(t('ticket.fields'))}</h2><table class="fields">${fields}</table></section>
<section class="card"><h2>${h(t('ticket.change'))}</h2>
<form id="status-form" data-api="/desk/api/tickets/${h(ticket.id)}/status" data-reload="1">
  <select name="status">${TICKET_STATUSES.map((s) => `<option value="${s}"${s === ticket.status ? ' selected' : ''}>${h(t(`statuses.${s}`))}</option>`).join('')}</select>
  <label>${h(t('ticket.note'))} <input name="note" maxlength="2000"></label>
  <button type="submit">${h(t('ticket.save'))}</button>
</form></section>
<section class="card"><h2>${h(t('ticket.audit'))}</h2><table id="audit"><thead><tr><th>${h(t('ticket.who'))}</th><th>${h(t('ticket.what'))}</th><th>${h(t('ticket.when'))}</th></tr></thead><tbody>${trail}</tbody></table></section>
<section class="card"><h2>${h(t('ticket.transcript'))}</h2>${transcript.length ? `<ol class="transcript">${transcriptHtml(v, transcript)}</ol>` : `<p class="muted">${h(t('ticket.noTranscript'))}</p>`}</section>`, 'queue');
}

export function livePage(v: ViewContext, handoff: Handoff, transcript: readonly TranscriptLine[]): string {
  const { t } = v;
  const mine = handoff.status === 'active' && handoff.agent === v.agent;
  const controls = handoff.status === 'waiting'
    ? `<form id="take" data-api="/desk/api/live/${h(handoff.id)}/take" data-reload="1"><button type="submit">${h(t('conversation.take'))}</button></form>`
    : mine
      ? `<form id="say" data-api="/desk/api/live/${h(handoff.id)}/say" data-clear="1"><input name="text" maxlength="2000" required autocomplete="off" placeholder="${h(t('conversation.placeholder'))}"><button type="submit">${h(t('conversation.send'))}</button></form>
<form id="hand-back" data-api="/desk/api/live/${h(handoff.id)}/handback" data-reload="1"><button type="submit">${h(t('conversation.handBack'))}</button></form>`
      : handoff.status === 'active' ? `<p class="muted">${h(t('conversation.notYours'))}</p>`
        : `<p class="muted" id="over">${h(t('conversation.over', { status: t(`statuses.${handoff.status}`) }))}</p>`;
  return layout(v, t('page.live'), `<h1>${h(t(`reasons.${handoff.reason}`, { defaultValue: handoff.reason }))} · <span id="live-status">${h(t(`statuses.${handoff.status}`))}</span></h1>
<p>${h(handoff.channelId)} · ${h(handoff.locale)} · ${h(when(v, handoff.createdAt))}${handoff.agent ? ` · ${h(t('conversation.takenBy', { name: handoff.agent }))}` : ''}
${handoff.ticketId ? ` · ${h(t('conversation.ticket'))}: <a href="${h(withLang(v, `/desk/tickets/${handoff.ticketId}`))}">${h(handoff.ticketId)}</a>` : ''}</p>
${handoff.summary ? `<p><b>${h(t('conversation.summary'))}:</b> ${h(handoff.summary)}</p>` : ''}
<ol class="transcript" id="transcript" data-src="/desk/api/live/${h(handoff.id)}/transcript" data-lang="${v.lang}">${transcriptHtml(v, transcript)}</ol>
<section class="card controls">${controls}</section>`, 'queue');
}

export function improvePage(v: ViewContext, groups: readonly ImproveGroup[], suggestions: readonly Suggestion[], targets: readonly string[]): string {
  const { t } = v;
  const rows = groups.map((g, i) => `<tr>
  <td><b class="question">${h(g.question)}</b>${g.examples.length ? `<ul class="examples">${g.examples.map((e) => `<li>${h(e)}</li>`).join('')}</ul>` : ''}</td>
  <td>${g.count}</td>
  <td>${Object.entries(g.kinds).map(([k, n]) => `${h(t(`improve.kind_${k}`))} ×${n}`).join('<br>')}${g.passages.length ? `<br><small>${h(g.passages.join(', '))}</small>` : ''}</td>
  <td>${h(g.locale)}</td>
  <td><form class="attach" id="attach-${i}" data-api="/desk/api/improve/attach" data-reload="1">
    <input type="hidden" name="locale" value="${h(g.locale)}"><input type="hidden" name="text" value="${h(g.question)}">
    <input name="target" list="targets-${h(g.locale)}" required placeholder="4#2, flow:leakReport, none:refunds"><button type="submit">${h(t('improve.attach'))}</button>
  </form></td></tr>`).join('');
  const pending = suggestions.map((s, i) => ({ s, i })).filter(({ s }) => s.status === 'pending');
  const datalists = (['en-US', 'zh-CN'] as const).map((l) => `<datalist id="targets-${l}">${targets.map((x) => `<option value="${h(x)}">`).join('')}</datalist>`).join('');
  return layout(v, t('page.improve'), `<h1>${h(t('improve.heading'))}</h1><p class="muted">${h(t('improve.intro'))}</p>${datalists}
${groups.length ? `<table class="improve"><thead><tr><th>${h(t('improve.question'))}</th><th>${h(t('improve.count'))}</th><th>${h(t('improve.kinds'))}</th><th></th><th>${h(t('improve.target'))}</th></tr></thead><tbody>${rows}</tbody></table>` : `<p class="muted">${h(t('improve.empty'))}</p>`}
<h2>${h(t('improve.suggestions'))}</h2>
${pending.length ? `<ul class="suggestions">${pending.map(({ s, i }) => `<li>${h(s.locale)} · “${h(s.text)}” → <code>${h(s.target)}</code> <small>${h(t('improve.by', { name: s.by }))}, ${h(when(v, s.at))}</small>
  <form data-api="/desk/api/improve/review" data-reload="1" class="inline"><input type="hidden" name="index" value="${i}"><button type="submit">${h(t('improve.review'))}</button></form></li>`).join('')}</ul>` : `<p class="muted">${h(t('improve.noSuggestions'))}</p>`}`, 'improve');
}

export interface DashboardData {
  readonly perDay: readonly { day: string; answers: number; fallbacks: number }[];
  readonly topPassages: readonly { id: string; title: string; count: number }[];
  readonly byKind: readonly { kind: string; count: number }[];
  readonly byStatus: readonly { status: string; count: number }[];
}

function bars(rows: readonly { label: string; values: readonly { n: number; cls: string; title: string }[] }[]): string {
  const max = Math.max(1, ...rows.flatMap((r) => r.values.map((x) => x.n)));
  return `<table class="bars">${rows.map((r) => `<tr><th>${h(r.label)}</th><td>${r.values.map((x) =>
    `<div class="bar ${x.cls}" style="width:${Math.round((x.n / max) * 100)}%" title="${h(x.title)}">${x.n}</div>`).join('')}</td></tr>`).join('')}</table>`;
}

export function dashboardPage(v: ViewContext, d: DashboardData): string {
  const { t } = v;
  const none = `<p class="muted">${h(t('dashboard.none'))}</p>`;
  return layout(v, t('page.dashboard'), `<h1>${h(t('dashboard.heading'))}</h1>
<section class="card"><h2>${h(t('dashboard.perDay'))}</h2><p><span class="key answers">${h(t('dashboard.answers'))}</span> <span class="key fallbacks">${h(t('dashboard.fallbacks'))}</span></p>
${d.perDay.length ? bars(d.perDay.map((r) => ({ label: r.day, values: [{ n: r.answers, cls: 'answers', title: t('dashboard.answers') }, { n: r.fallbacks, cls: 'fallbacks', title: t('dashboard.fallbacks') }] }))) : none}</section>
<section class="card"><h2>${h(t('dashboard.topPassages'))}</h2>${d.topPassages.length ? bars(d.topPassages.map((p) => ({ label: `${p.id} ${p.title}`, values: [{ n: p.count, cls: 'answers', title: p.title }] }))) : none}</section>
<section class="card"><h2>${h(t('dashboard.flows'))}</h2>${d.byKind.length ? bars(d.byKind.map((k) => ({ label: t(`kinds.${k.kind}`), values: [{ n: k.count, cls: 'flows', title: k.kind }] }))) : none}</section>
<section class="card"><h2>${h(t('dashboard.byStatus'))}</h2>${d.byStatus.length ? bars(d.byStatus.map((s) => ({ label: t(`statuses.${s.status}`), values: [{ n: s.count, cls: 'status', title: s.status }] }))) : none}</section>`, 'dashboard');
}
