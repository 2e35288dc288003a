import type { Clock } from '../clock.js';
import type { FloodHold } from '../rules/resolved-limits.js';

const EVERY_MS = 60_000;
// Mailboxes are the rules' targets, so few; bounded anyway, since any_mailbox templates let senders choose many.
const MAX_TRACKED = 1000;

/**
 * The flood guard's warning: once a minute per (mailbox, limit) and instance, however many messages are held, with
 * how many were held since the last warning. Every message still has its own delivery line.
 */
export function floodNotices(clock: Clock, warn: (fields: object, msg: string) => void): (hold: FloodHold) => void {
  const last = new Map<string, { at: number; held: number }>();
  return (hold) => {
    const key = `${hold.limit}\n${hold.mailbox}`;
    const now = clock.now();
    const seen = last.get(key);
    if (seen && now - seen.at < EVERY_MS) {
      seen.held += 1;
      return;
    }
    last.delete(key);
    if (last.size >= MAX_TRACKED) last.delete(last.keys().next().value ?? '');
    last.set(key, { at: now, held: 0 });
    const what = hold.limit === 'new_aliases_per_hour' ? 'holding back mail to new aliases (503, Mailgun retries) of' : 'holding back mail (503, Mailgun retries) to';
    warn({ mailbox: hold.mailbox, limit: hold.limit, max: hold.max, heldSinceLastWarning: seen?.held ?? 0 }, `flood guard: ${what} ${hold.mailbox}`);
  };
}
