import type { RepeatedBounce } from '../store/bounce-watch.js';

/** At most this many such lines on the page and in doctor: the rest say the same. */
export const REPEATED_BOUNCES_SHOWN = 20;

const minute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** One line about a target the relay had to free more than once within a day: for the admin page and doctor. */
export function repeatedBounceLine(r: RepeatedBounce): string {
  return (
    `${r.target} (a target of ${r.alias}) was put back on Mailgun's bounce list and freed ${r.removals} times since ${minute(r.since)}, ` +
    `the last at ${minute(r.at)}${r.error ? ` (${r.error})` : ''}: someone may be sending mail meant to bounce; the relay frees it at most once an hour`
  );
}
