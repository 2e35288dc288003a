import { createHash } from 'node:crypto';
import type { FloodHold } from '../rules/resolved-limits.js';

/**
 * The flood guard's state (flood/budget.ts decides with it): counters in fixed windows, shared by every instance
 * (Redis) or every process on one DATA_DIR (SQLite), and the recent holds for the admin page. SQLite and Redis
 * implement it (store/<backend>/flood.ts).
 */

/**
 * At most `limit` units per `key` in each fixed window of `windowMs` (a clock minute, a clock hour). With a `member`,
 * the window counts distinct members instead: taking a member the window already holds costs nothing more (one new
 * alias is one unit however many messages it gets), and the member's unit is free again only once every take of it
 * has been given back.
 */
export interface Budget {
  key: string;
  windowMs: number;
  limit: number;
  member?: string;
}

/** One unit as stored: its window's key, and the member's stored name when the budget counts members. */
export interface Unit {
  readonly key: string;
  readonly member?: string;
}

/** Units taken, by their stored keys: giving them back decrements exactly the windows they were taken in. */
export interface Taken {
  readonly units: readonly Unit[];
}

export type TakeResult = { taken: Taken } | { full: Budget };

/** One kind of hold on one mailbox: how often, since when, until when (epoch ms). */
export interface FloodEvent extends FloodHold {
  count: number;
  first: number;
  last: number;
}

export interface FloodCounters {
  /**
   * One unit of every budget, all or none, atomically (a script on Redis, an IMMEDIATE transaction on SQLite):
   * two instances can never both take the last unit. `full`: the first budget without room; nothing was taken.
   */
  take(budgets: readonly Budget[], now: number): Promise<TakeResult>;
  /** Returns units whose send did not happen. A window that has ended meanwhile is left alone. */
  giveBack(taken: Taken): Promise<void>;
  /** Records a hold for the page. */
  note(hold: FloodHold, now: number): Promise<void>;
  /** The holds of the last FLOOD_EVENT_LIMITS.retentionMs, latest first. */
  recent(now: number): Promise<FloodEvent[]>;
}

/**
 * What the page remembers: a day of holds, and at most 100 (mailbox, limit) pairs. Mailboxes are the rules'
 * targets, so few; the cap is there because a template with any_mailbox lets senders choose many.
 */
export const FLOOD_EVENT_LIMITS = { retentionMs: 24 * 3600_000, maxEvents: 100 } as const;

/**
 * The stored key of a budget's current window, and when the window ends. The key is hashed like the ledger's
 * (the counters hold no addresses in the clear) and names its window, so a new window starts from zero without
 * a reset, and an old one only waits to be pruned.
 */
export function windowOf(budget: Budget, now: number): Unit & { endsAt: number } {
  const start = Math.floor(now / budget.windowMs) * budget.windowMs;
  const key = `${budget.member === undefined ? 'flood' : 'flood-members'}:${hashed(budget.key)}:${budget.windowMs}:${start}`;
  return { key, endsAt: start + budget.windowMs, ...(budget.member !== undefined && { member: hashed(budget.member) }) };
}

const hashed = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Latest first, as the page lists them. */
export const byLatest = (a: FloodEvent, b: FloodEvent): number => b.last - a.last;
