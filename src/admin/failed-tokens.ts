import type { Clock } from '../clock.js';

/** Where a token was refused: the admin page and API (ADMIN_TOKEN) or the alias API (ALIAS_API_TOKEN). */
export type TokenEndpoint = 'admin' | 'api';

export interface FailedTokensDeps {
  clock: Clock;
  /** One line per source at most once a window, with how many attempts it made since its last line. */
  warn(fields: { source: string; endpoint: TokenEndpoint; failures: number }, msg: string): void;
  /** Every failure, for the metric. */
  count(endpoint: TokenEndpoint): void;
}

export interface FailedTokens {
  /** Notes a refused token from `source` (the client's address); resolves once the source's delay has passed. */
  failed(source: string, endpoint: TokenEndpoint): Promise<void>;
}

const WINDOW_MS = 60_000;
// Free tries before the delay starts: a person who mistypes the token twice waits for nothing.
const FREE_TRIES = 3;
const FIRST_DELAY_MS = 250;
// A guesser is held up to this long per attempt; longer would only hold its sockets, not slow it more.
const MAX_DELAY_MS = 5_000;
// Sources remembered at once: beyond it the one quiet longest is forgotten, so many addresses cost bounded memory.
const MAX_SOURCES = 10_000;

interface Source {
  /** Failures in the current streak (reset after a quiet window). */
  streak: number;
  /** Failures since the source's last log line. */
  unlogged: number;
  lastFailure: number;
  lastLine: number;
}

/**
 * Refused tokens on /admin and /api: counted (the metric), logged at most once a minute per source with a count,
 * and answered more slowly as a source keeps failing (doubling from 250 ms after three, up to 5 s), so guessing a
 * token costs its guesser time and the log a line a minute, never a line an attempt.
 */
export function failedTokens(deps: FailedTokensDeps): FailedTokens {
  const sources = new Map<string, Source>();
  return {
    async failed(source, endpoint) {
      const now = deps.clock.now();
      deps.count(endpoint);
      let entry = sources.get(source);
      if (entry === undefined || now - entry.lastFailure > WINDOW_MS) entry = { streak: 0, unlogged: entry?.unlogged ?? 0, lastFailure: now, lastLine: entry?.lastLine ?? -Infinity };
      sources.delete(source); // re-inserted last: the map's first key is the source quiet longest
      sources.set(source, entry);
      if (sources.size > MAX_SOURCES) sources.delete(sources.keys().next().value as string);
      entry.streak++;
      entry.unlogged++;
      entry.lastFailure = now;
      if (now - entry.lastLine >= WINDOW_MS) {
        deps.warn({ source, endpoint, failures: entry.unlogged }, 'token refused');
        entry.unlogged = 0;
        entry.lastLine = now;
      }
      const over = entry.streak - FREE_TRIES;
      if (over > 0) await deps.clock.sleep(Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(over - 1, 10)));
    },
  };
}
