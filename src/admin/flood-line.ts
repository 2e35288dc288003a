import type { FloodEvent } from '../store/flood.js';
import { html, type SafeHtml } from './html.js';

const time = (ms: number): SafeHtml => {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(11, 16)} UTC</time>`;
};

const what = (e: FloodEvent): SafeHtml =>
  e.limit === 'new_aliases_per_hour'
    ? html`held back ${e.count} message${e.count === 1 ? '' : 's'} to new aliases of ${e.mailbox} (new_aliases_per_hour ${e.max}; Mailgun retries them)`
    : html`held back ${e.count} message${e.count === 1 ? '' : 's'} to ${e.mailbox} (${e.limit} ${e.max}; Mailgun retries them)`;

/** The flood guard's line on the admin page: what it held back in the last 24 hours, latest first. */
export function floodLine(events: readonly FloodEvent[]): SafeHtml | '' {
  if (events.length === 0) return '';
  return html`<p class="flood" role="status"><strong>Flood guard</strong>, last 24 h: ${events.map((e, i) => html`${i > 0 ? '; ' : ''}${what(e)}, last at ${time(e.last)}`)}.</p>`;
}
