import type { RouteDecision } from '../rules/types.js';
import { browseUrl, type BrowseQuery } from './browse.js';
import { html, SafeHtml } from './html.js';
import { hasLeaked, type AliasView } from './listing.js';
import { floodLine, refusedLine } from './flood-line.js';
import type { RefusalCounts } from '../policy/refusals.js';
import type { FloodEvent } from '../store/flood.js';
import { STYLE } from './page-style.js';

export { PAGE_HEADERS } from './page-style.js';

/** One alias on the page: what the inventory knows, and what the current rules decide for its address. */
export interface PageRow {
  view: AliasView;
  decision: RouteDecision;
}

/** What the page shows; everything it interpolates passes through `html` (escape-html). */
export interface PageModel {
  rows: readonly PageRow[];
  query: BrowseQuery;
  /** 1-based position of the first row among all that match the query. */
  first: number;
  hasNext: boolean;
  formToken: string;
  domains: readonly string[];
  /** A line about the action just done (after a form post), or null. */
  notice: string | null;
  /** The add form as it was refused: what was typed, and why it was refused. */
  add: { value: string; error: string } | null;
  /** Things the owner must hear about (a target put back on the bounce list again and again), one line each. */
  warnings?: readonly string[];
  /** What the flood guard held lately (flood-line.ts). */
  flood?: readonly FloodEvent[];
  /** Mail refused for good in the last 24 hours, by reason (flood-line.ts). */
  refused?: RefusalCounts;
  /** Short warnings from other parts of the relay (a daily digest not sent, and why). */
  notes?: readonly string[];
  /** False without MAILGUN_API_KEY (outbox mode): no Resend button, and the page says why instead. */
  canResend?: boolean;
}

const when = (iso: string | null): SafeHtml => (iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')}</time>` : html`<span class="muted">never</span>`);
const actionUrl = (address: string, action: 'block' | 'unblock' | 'forget') => `/admin/aliases/${encodeURIComponent(address)}/${action}`;

/**
 * An address, with no break offered at its `@`: a column is then as wide as its addresses, and an address breaks
 * only where it could not fit otherwise (the stylesheet's overflow-wrap), anywhere on a phone's card.
 */
const address = (text: string): SafeHtml => html`${text}`;

/** In the CLI's words (`plus-relay route`): the reason code, and the rule that decided. */
const target = (d: RouteDecision): SafeHtml =>
  d.action === 'forward'
    ? html`<ul class="targets">${d.to.map((to) => html`<li class="target">${address(to)}</li>`)}</ul><span class="muted">rule ${d.rule}</span>`
    : html`<strong>refused</strong> <span class="muted">(${d.reason}${d.rule === null ? '' : `, rule ${d.rule}`})</span>`;

/**
 * The last failure's id, and a Resend button while Mailgun's event named a stored message and it was not resent
 * (the admin API still says why when the message has expired since). Without an API key the relay cannot fetch the
 * message: the page says so rather than offer a button that can only answer 409.
 */
function resend(f: NonNullable<AliasView['lastFailure']>, m: PageModel): SafeHtml {
  const id = html`<span class="muted failure-id">id <code>${f.id}</code></span>`;
  if (f.resent) return html`${id} <span class="muted">resent ${when(f.resent)}</span>`;
  if (!f.stored) return id;
  if (m.canResend === false) return html`${id} <span class="muted no-resend">Resend needs MAILGUN_API_KEY: without it the relay cannot fetch Mailgun's stored message</span>`;
  return html`${id} <form class="inline" method="post" action="${`/admin/failures/${f.id}/resend`}"><input type="hidden" name="csrf" value="${m.formToken}"><button type="submit" class="resend" aria-label="${`Resend the failed forward to ${f.target}`}">Resend</button></form>`;
}

/** Why the target refused it, as Mailgun reported it (`550 5.7.26 … DMARC …`): on the page, not in a tooltip. */
function failureText(f: NonNullable<AliasView['lastFailure']>): SafeHtml {
  const text = [f.code === null ? '' : String(f.code), f.message].filter(Boolean).join(' ');
  return text ? html`<div class="reason">${text}</div>` : html``;
}

/**
 * Why its mail was refused, as far as the page can tell from now: a block, or the current rules (as `plus-relay
 * route` says). Otherwise a policy refused it (spam, senders, new aliases, the flood guard's new-alias limit), which
 * the inventory does not keep per alias: each delivery log line names it.
 */
function refusedWhy(v: AliasView, d: RouteDecision): string {
  if (v.blocked) return 'it is blocked';
  if (d.action === 'reject') return `the rules refuse it (${d.reason})`;
  return 'by a policy: the log\'s delivery lines say which ("policy")';
}

/** One column of the table; another part of the relay can add a column by adding an entry here. */
interface Column {
  head: string;
  /** The shorter label it has on a phone's card, when not `head`. */
  label?: string;
  className?: string;
  cell(row: PageRow, model: PageModel): SafeHtml;
}

const COLUMNS: readonly Column[] = [
  {
    head: 'Alias',
    cell: ({ view: v }) =>
      html`<span class="address">${address(v.address)}</span>${hasLeaked(v) ? html`<span class="badge leak" title="a sender domain new to this alias wrote to it">leaked</span>` : ''}${
        v.blocked ? html`<span class="badge blocked">blocked</span>` : ''
      }${v.description ? html`<div class="muted description">${v.description}</div>` : ''}`,
  },
  { head: 'Target', cell: ({ decision }) => html`<div>${target(decision)}</div>` },
  {
    head: 'Messages',
    cell: ({ view: v, decision }) =>
      html`<div><span class="count">${v.forwarded} forwarded</span>${v.refused > 0 ? html`<br><span class="muted count">${v.refused} refused</span><div class="muted why">${refusedWhy(v, decision)}</div>` : ''}</div>`,
  },
  {
    head: 'Sender domains',
    label: 'Senders',
    cell: ({ view: v }) =>
      v.senders.length === 0
        ? html`<span class="muted">none yet</span>`
        : html`<ul class="senders">${v.senders.map((s) =>
            s.new
              ? html`<li><mark class="new" title="first seen ${s.firstSeen}, after the learning period">${s.domain}</mark> ×${s.count} <strong>new</strong></li>`
              : html`<li>${s.domain} <span class="muted">×${s.count}</span></li>`,
          )}</ul>`,
  },
  {
    head: 'Failed forwards',
    label: 'Failed',
    cell: ({ view: v }, m) =>
      v.failed && v.lastFailure
        ? html`<div><span class="failed">${v.failed}</span><br><span class="muted">last: ${v.lastFailure.severity} ${v.lastFailure.reason} to <span class="failure-target">${address(v.lastFailure.target)}</span></span>${failureText(v.lastFailure)}${resend(v.lastFailure, m)}</div>`
        : html`<span class="muted">none</span>`,
  },
  { head: 'First seen (UTC)', label: 'First seen', cell: ({ view: v }) => when(v.firstSeen) },
  { head: 'Last seen (UTC)', label: 'Last seen', cell: ({ view: v }) => when(v.lastSeen) },
  {
    head: '',
    className: 'action',
    cell: ({ view: v, decision }, m) => {
      // An alias the rules refuse already gets nothing through: Block would change nothing. A blocked one keeps
      // Unblock, so a block made before the rules changed can still be lifted.
      const button = (action: 'block' | 'unblock' | 'forget', label: string) =>
        html`<form class="inline" method="post" action="${actionUrl(v.address, action)}"><input type="hidden" name="csrf" value="${m.formToken}"><button type="submit" class="${action}" aria-label="${label} ${v.address}">${label}</button></form>`;
      // Forget: an entry of the operator's (added or blocked) keeps its place until it is forgotten.
      const forget = v.added !== null || v.blocked ? button('forget', 'Forget') : html``;
      if (!v.blocked && decision.action === 'reject') return html`${forget}`;
      return html`${v.blocked ? button('unblock', 'Unblock') : button('block', 'Block')} ${forget}`;
    },
  },
];

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
${body}
</body>
</html>
`.text;
}

function tools(m: PageModel): SafeHtml {
  const { q, leaksOnly } = m.query;
  const invalid = m.add !== null;
  return html`<div class="tools">
<form class="filter" method="get" action="/admin" role="search">
<label for="q">Filter</label>
<div class="field"><input type="search" id="q" name="q" value="${q}" placeholder="address, target or sender">${leaksOnly ? html`<input type="hidden" name="leaks" value="1">` : ''}<button type="submit">Filter</button></div>
${q ? html`<p><a href="${browseUrl({ q: '', leaksOnly, page: 1 })}">Clear the filter</a></p>` : ''}
</form>
<form class="add" method="post" action="/admin/aliases">
<input type="hidden" name="csrf" value="${m.formToken}">
<label for="add-address">Add an alias ahead of time</label>
<div class="field"><input type="text" id="add-address" name="address" required value="${m.add?.value ?? ''}" placeholder="${`newsletter@${m.domains[0] ?? 'example.com'}`}" autocomplete="off"${
    invalid ? html` aria-invalid="true" aria-describedby="add-error"` : ''
  }><button type="submit">Add</button></div>
${invalid ? html`<p class="error" id="add-error" role="alert">${m.add?.error}</p>` : ''}
<p class="muted">It then receives mail even with <code>new_aliases: reject</code>.</p>
</form>
<form class="add" method="post" action="/admin/contacts">
<input type="hidden" name="csrf" value="${m.formToken}">
<label for="contact-alias">Write first from an alias</label>
<div class="field"><input type="text" id="contact-alias" name="alias" required placeholder="${`shop@${m.domains[0] ?? 'example.com'}`}" autocomplete="off" aria-label="alias"></div>
<div class="field"><input type="text" id="contact-address" name="address" required placeholder="to: support@shop.example" autocomplete="off" aria-label="to"><button type="submit">Get address</button></div>
<p class="muted">Mail from your own mailbox to the address it gives leaves as the alias (needs <code>replies: true</code>).</p>
</form>
</div>`;
}

/** POST /admin/contacts from the page: the address to write to. */
export function contactPage(alias: string, contact: string, replyAddress: string): string {
  return layout('plus-relay · write from an alias', html`<h1>Write from ${alias}</h1>
<p>Write from your own mailbox to <code class="address">${replyAddress}</code>: it leaves as ${alias} to ${contact}.</p>
<p><a href="/admin">Back to the aliases</a></p>`);
}

function pages(m: PageModel): SafeHtml {
  const last = m.first + m.rows.length - 1;
  const at = (page: number) => browseUrl({ ...m.query, page });
  if (m.query.page === 1 && !m.hasNext) return html``;
  return html`<nav class="pages" aria-label="pages">${m.query.page > 1 ? html`<a href="${at(m.query.page - 1)}" rel="prev">← Newer</a>` : ''}<span class="muted">${m.first}–${last}</span>${
    m.hasNext ? html`<a href="${at(m.query.page + 1)}" rel="next">Older →</a>` : ''
  }</nav>`;
}

/** GET /admin: the inventory as one server-rendered page, like Prometheus' or Caddy's own status pages. */
export function adminPage(m: PageModel): string {
  const leaked = m.rows.filter((r) => hasLeaked(r.view)).length;
  const blocked = m.rows.filter((r) => r.view.blocked).length;
  const rowClass = (v: AliasView) => [hasLeaked(v) ? 'leaked' : '', v.blocked ? 'blocked' : ''].filter(Boolean).join(' ');
  const { q, leaksOnly } = m.query;
  const shown = m.rows.length === 0 ? '' : `${m.first === 1 && !m.hasNext ? m.rows.length : `${m.first}–${m.first + m.rows.length - 1}`} shown: ${leaked} with a new sender, ${blocked} blocked. `;
  const none = q ? html`No aliases${leaksOnly ? ' with a new sender' : ''} match “${q}”${m.query.page > 1 ? ' on this page' : ''}.` : html`No aliases${leaksOnly ? ' with a new sender' : ''} yet: the relay records each address when mail to it arrives.`;
  return layout(
    'plus-relay · aliases',
    html`<h1>plus-relay · aliases</h1>
<p class="muted">${m.domains.join(', ')} — most recently mailed first, times in UTC. ${shown}A sender domain that first writes to an alias after its learning period is <mark class="new">new</mark>: the service you gave the address to has probably leaked it.</p>
${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
${(m.warnings ?? []).map((w) => html`<p class="warning" role="alert"><strong>Warning:</strong> ${w}</p>`)}
${floodLine(m.flood ?? [])}
${refusedLine(m.refused)}
${(m.notes ?? []).map((note) => html`<p class="problem">${note}</p>\n`)}<nav>${leaksOnly ? html`<a href="${browseUrl({ q, leaksOnly: false, page: 1 })}">All aliases</a> <strong>Only leaked aliases</strong>` : html`<strong>All aliases</strong> <a href="${browseUrl({ q, leaksOnly: true, page: 1 })}">Only leaked aliases</a>`}</nav>
${tools(m)}
${
  m.rows.length === 0
    ? html`<p>${none}</p>`
    : html`<table>
<thead><tr>${COLUMNS.map((c) => html`<th scope="col">${c.head}</th>`)}</tr></thead>
<tbody>
${m.rows.map((r) => html`<tr class="${rowClass(r.view)}" id="${`alias-${r.view.address}`}">${COLUMNS.map((c) => html`<td data-label="${c.label ?? c.head}"${c.className ? html` class="${c.className}"` : ''}>${c.cell(r, m)}</td>`)}</tr>\n`)}</tbody>
</table>`
}
${pages(m)}`,
  );
}

/** A refused or failed request from a browser: the page's look, the message, and the way back. */
export function errorPage(status: number, message: string, back: boolean): string {
  return layout(`plus-relay · ${status}`, html`<h1>plus-relay · ${status}</h1>
<p class="problem" role="alert">${message}</p>
${back ? html`<p><a href="/admin">Back to the aliases</a></p>` : ''}`);
}
