import { createHash } from 'node:crypto';
import { html, SafeHtml } from './html.js';
import { hasLeaked, type AliasView } from './listing.js';
import { floodLine } from './flood-line.js';
import type { FloodEvent } from '../store/flood.js';

/** What the page shows; everything it interpolates passes through `html` (escape-html). */
export interface PageModel {
  views: readonly AliasView[];
  /** All aliases listed before the leaks-only filter, for the summary. */
  total: number;
  leaksOnly: boolean;
  formToken: string;
  domains: readonly string[];
  /** A line about the action just done (after a form post), or null. */
  notice: string | null;
  /** What the flood guard held back or refused lately (flood-line.ts). */
  flood?: readonly FloodEvent[];
}

const STYLE = `
:root { color-scheme: light dark; --line: #8884; --leak: #d97706; --muted: #888; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 72rem; }
h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
p { margin: .25rem 0 1rem; }
.muted { color: var(--muted); }
.notice { padding: .5rem .75rem; border-left: 4px solid #16a34a; background: #16a34a1a; }
nav a { margin-right: 1rem; }
form.inline { display: inline; margin: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
tr.leaked td:first-child { box-shadow: inset 4px 0 var(--leak); }
tr.blocked { color: var(--muted); }
.address { font-family: ui-monospace, monospace; font-weight: 600; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 0 .4rem; border-radius: .6rem; margin-left: .4rem; }
.badge.leak { background: var(--leak); color: #fff; }
.badge.blocked { background: #6b7280; color: #fff; }
ul.senders { list-style: none; margin: 0; padding: 0; }
ul.senders li { white-space: nowrap; }
mark.new { background: #d977062e; color: inherit; font-weight: 600; padding: 0 .2rem; }
button { font: inherit; padding: .2rem .7rem; cursor: pointer; }
button.block { border: 1px solid #b91c1c; background: #b91c1c; color: #fff; border-radius: .3rem; }
button.unblock { border: 1px solid var(--line); border-radius: .3rem; }
input[type=text] { font: inherit; padding: .2rem .4rem; min-width: 18rem; }
form.add { margin-top: 1rem; }
`;

/**
 * The page's security headers. No script at all; the one inline style is allowed by its hash; forms post
 * only to the relay itself; no framing (a framed page could be clicked through: clickjacking).
 */
export const PAGE_HEADERS = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

const when = (iso: string | null): SafeHtml => (iso ? html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>` : html`<span class="muted">never</span>`);
const actionUrl = (address: string, action: 'block' | 'unblock') => `/admin/aliases/${encodeURIComponent(address)}/${action}`;

/** One column of the table; another part of the relay can add a column by adding an entry here. */
interface Column {
  head: string;
  cell(view: AliasView, model: PageModel): SafeHtml;
}

const COLUMNS: readonly Column[] = [
  {
    head: 'Alias',
    cell: (v) =>
      html`<span class="address">${v.address}</span>${hasLeaked(v) ? html`<span class="badge leak" title="a sender domain new to this alias wrote to it">leaked</span>` : ''}${
        v.blocked ? html`<span class="badge blocked">blocked</span>` : ''
      }`,
  },
  {
    head: 'Messages',
    cell: (v) => html`${v.forwarded} forwarded${v.refused > 0 ? html`<br><span class="muted">${v.refused} refused</span>` : ''}`,
  },
  {
    head: 'Sender domains',
    cell: (v) =>
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
    cell: (v) =>
      v.failed && v.lastFailure
        ? html`<span class="failed">${v.failed}</span><br><span class="muted" title="${v.lastFailure.message}">last: ${v.lastFailure.severity} ${v.lastFailure.reason} to ${v.lastFailure.target}</span>`
        : html`<span class="muted">none</span>`,
  },
  { head: 'First seen', cell: (v) => when(v.firstSeen) },
  { head: 'Last seen', cell: (v) => when(v.lastSeen) },
  {
    head: '',
    cell: (v, m) => {
      const action = v.blocked ? 'unblock' : 'block';
      return html`<form class="inline" method="post" action="${actionUrl(v.address, action)}"><input type="hidden" name="csrf" value="${m.formToken}"><button type="submit" class="${action}" aria-label="${action === 'block' ? 'Block' : 'Unblock'} ${v.address}">${action === 'block' ? 'Block' : 'Unblock'}</button></form>`;
    },
  },
];

/** GET /admin: the inventory as one server-rendered page, like Prometheus' or Caddy's own status pages. */
export function adminPage(model: PageModel): string {
  const leaked = model.views.filter(hasLeaked).length;
  const blocked = model.views.filter((v) => v.blocked).length;
  const rowClass = (v: AliasView) => [hasLeaked(v) ? 'leaked' : '', v.blocked ? 'blocked' : ''].filter(Boolean).join(' ');
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>plus-relay · aliases</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<h1>plus-relay · aliases</h1>
<p class="muted">${model.domains.join(', ')} — ${model.total} alias${model.total === 1 ? '' : 'es'}, ${leaked} with a new sender, ${blocked} blocked.
A sender domain that first writes to an alias after its learning period is <mark class="new">new</mark>: the service you gave the address to has probably leaked it.</p>
${model.notice ? html`<p class="notice" role="status">${model.notice}</p>` : ''}
${floodLine(model.flood ?? [])}
<nav>${model.leaksOnly ? html`<a href="/admin">All aliases</a> <strong>Only leaked aliases</strong>` : html`<strong>All aliases</strong> <a href="/admin?leaks=1">Only leaked aliases</a>`}</nav>
<form class="add" method="post" action="/admin/aliases">
<input type="hidden" name="csrf" value="${model.formToken}">
<label>Add an alias ahead of time <input type="text" name="address" required placeholder="${`newsletter@${model.domains[0] ?? 'example.com'}`}" autocomplete="off"></label>
<button type="submit">Add</button>
<span class="muted">(it then receives mail even with <code>new_aliases: reject</code>)</span>
</form>
${
  model.views.length === 0
    ? html`<p>No aliases${model.leaksOnly ? ' with a new sender' : ''} yet: the relay records each address when mail to it arrives.</p>`
    : html`<table>
<thead><tr>${COLUMNS.map((c) => html`<th scope="col">${c.head}</th>`)}</tr></thead>
<tbody>
${model.views.map((v) => html`<tr class="${rowClass(v)}" id="${`alias-${v.address}`}">${COLUMNS.map((c) => html`<td>${c.cell(v, model)}</td>`)}</tr>\n`)}</tbody>
</table>`
}
</body>
</html>
`;
  return page.text;
}
