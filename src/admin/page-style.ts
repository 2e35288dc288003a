import { createHash } from 'node:crypto';

/**
 * The page's one stylesheet, inline (no external assets). Wide screens get a table; below 48rem (a phone)
 * each alias is a card of label/value lines, so nothing is wider than the screen and Block stays in reach.
 * The leak signals (orange badge, marked domain, row edge) are the loudest things on the page; Block is a
 * plain outlined button that turns red only under the pointer.
 */
export const STYLE = `
:root { color-scheme: light dark; --line: #8884; --leak: #d97706; --muted: #888; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 80rem; }
h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
p { margin: .25rem 0 1rem; }
.muted { color: var(--muted); }
.notice { padding: .5rem .75rem; border-left: 4px solid #16a34a; background: #16a34a1a; }
.error { color: var(--bad); font-weight: 600; margin: .3rem 0 0; }
.problem { padding: .5rem .75rem; border-left: 4px solid var(--bad); background: #b91c1c1a; }
.warning { padding: .5rem .75rem; border-left: 4px solid var(--leak); background: #d977061a; }
.flood { padding: .5rem .75rem; border-left: 4px solid var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .5rem 0; }
.tools { display: flex; flex-wrap: wrap; gap: .75rem 2rem; align-items: flex-start; margin-top: 1rem; }
.tools form { margin: 0; }
.tools label { display: block; font-weight: 600; margin-bottom: .2rem; }
.field { display: flex; gap: .4rem; }
input[type=text], input[type=search] { font: inherit; padding: .25rem .45rem; width: 18rem; max-width: 100%; min-width: 0; flex: 1 1 auto; }
input[aria-invalid=true] { border: 2px solid var(--bad); }
form.inline { display: inline; margin: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; white-space: nowrap; }
tr.leaked td:first-child { box-shadow: inset 4px 0 var(--leak); }
tr.blocked { color: var(--muted); }
.address, .target, .failure-target { font-family: ui-monospace, monospace; overflow-wrap: break-word; }
.reason { overflow-wrap: anywhere; max-width: 28rem; font-size: .9em; }
.failure-id { display: block; }
.address { font-weight: 600; }
time, .count { white-space: nowrap; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 0 .4rem; border-radius: .6rem; margin-left: .4rem; white-space: nowrap; }
.badge.leak { background: var(--leak); color: #fff; }
.badge.blocked { background: #6b7280; color: #fff; }
ul.senders, ul.targets { list-style: none; margin: 0; padding: 0; }
ul.senders li { overflow-wrap: break-word; }
mark.new { background: #d977062e; color: inherit; font-weight: 600; padding: 0 .2rem; }
button { font: inherit; padding: .2rem .7rem; cursor: pointer; border: 1px solid var(--line); border-radius: .3rem; background: transparent; color: inherit; }
button.block:hover, button.block:focus-visible, button.forget:hover, button.forget:focus-visible { border-color: var(--bad); color: var(--bad); }
.pages { display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; margin: 1rem 0; }
@media (max-width: 48rem) {
  body { padding: 1rem; }
  table, tbody, tr, td { display: block; }
  thead { display: none; }
  tr { border: 1px solid var(--line); border-radius: .4rem; padding: .4rem .7rem; margin-bottom: .7rem; }
  tr.leaked { box-shadow: inset 4px 0 var(--leak); }
  tr.leaked td:first-child { box-shadow: none; }
  td { border: 0; padding: .15rem 0; display: grid; grid-template-columns: 5.5rem minmax(0, 1fr); gap: .5rem; }
  td::before { content: attr(data-label); color: var(--muted); }
  /* A card leaves out what is empty ("none", "never"): it stays short enough to scan on a phone. */
  td:has(> .muted:only-child), td.action:empty { display: none; }
  .address, .target, .failure-target, ul.senders li { overflow-wrap: anywhere; }
  td:first-child, td.action { display: block; }
  td:first-child::before, td.action::before { content: none; }
  td.action { padding-top: .4rem; }
}
`;

/**
 * The page's security headers (also on its error pages). No script at all; the one inline style is allowed
 * by its hash; forms post only to the relay itself; no framing (a framed page could be clicked through).
 */
export const PAGE_HEADERS = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;
