import type { FloodEvent } from '../store/flood.js';
import { html, type SafeHtml } from './html.js';
import type { RefusalCounts, RefusalReason } from '../policy/refusals.js';

const time = (ms: number): SafeHtml => {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(11, 16)} UTC</time>`;
};

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const what = (e: FloodEvent): SafeHtml =>
  html`held by the flood guard: ${plural(e.count, 'message')} to ${e.limit === 'new_aliases_per_hour' ? 'new aliases of ' : ''}${e.mailbox} (${e.limit} ${e.max}; Mailgun retries them)`;

/** The flood guard's line on the admin page: what it held in the last 24 hours, by mailbox and limit, latest first. */
export function floodLine(events: readonly FloodEvent[]): SafeHtml | '' {
  if (events.length === 0) return '';
  return html`<p class="flood" role="status"><strong>Flood guard</strong>, last 24 h: ${events.map((e, i) => html`${i > 0 ? '; ' : ''}${what(e)}, last at ${time(e.last)}`)}.</p>`;
}

const REFUSED: ReadonlyArray<[RefusalReason, string]> = [
  ['blocked', 'refused: blocked'],
  ['new-aliases', 'refused: `new_aliases: reject`'],
  ['policy', 'refused: your sender or spam policies'],
];

/**
 * Mail refused for good (406: Mailgun never retries it) in the last 24 hours, counted by reason: what the owner may
 * have lost, and the words that say which rule did it.
 */
export function refusedLine(counts: RefusalCounts | undefined): SafeHtml | '' {
  const shown = REFUSED.filter(([reason]) => (counts?.[reason].aliases ?? 0) > 0);
  if (!counts || shown.length === 0) return '';
  return html`<p class="flood" role="status"><strong>Refused</strong>, last 24 h: ${shown.map(
    ([reason, words], i) => html`${i > 0 ? '; ' : ''}${words} — ${plural(counts[reason].messages, 'message')} to ${plural(counts[reason].aliases, 'alias', 'aliases')}`,
  )}.</p>`;
}
