import type { LimitName } from '../../rules/resolved-limits.js';
import { byLatest, FLOOD_EVENT_LIMITS, windowOf, type FloodCounters, type FloodEvent, type TakeResult } from '../flood.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

/**
 * The flood guard's tables. Outside the versioned schema (database.ts) on purpose: they hold at most a day of
 * counts, so a relay that changes their shape can drop them rather than migrate them, and they never clash with
 * the schema's numbered steps.
 */
const TABLES = `
CREATE TABLE IF NOT EXISTS flood_windows (key TEXT PRIMARY KEY, count INTEGER NOT NULL, ends_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS flood_windows_end ON flood_windows (ends_at);
CREATE TABLE IF NOT EXISTS flood_events (
  limit_name TEXT NOT NULL, mailbox TEXT NOT NULL, max INTEGER NOT NULL,
  count INTEGER NOT NULL, first_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
  PRIMARY KEY (limit_name, mailbox)
) WITHOUT ROWID;`;

interface EventRow {
  limit_name: LimitName;
  mailbox: string;
  max: number;
  count: number;
  first_at: number;
  last_at: number;
}

/**
 * The counters on SQLite. Every take is a write in the group commit, whose transaction is IMMEDIATE: a second
 * process on the same file cannot read a count between our read and our increment.
 */
export function sqliteFlood(db: SqliteDatabase, guard: <T>(what: string, run: () => T) => T, write: GroupWrite): FloodCounters & { prune(now: number): number } {
  db.exec(TABLES);
  // One unit of one window while it has room, in one statement: no change when it is full. A key names its window
  // (windowOf), so a row found under it is that window's, never an ended one's.
  const increment = db.prepare<[string, number, number]>(
    'INSERT INTO flood_windows (key, count, ends_at) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET count = count + 1 WHERE count < ?',
  );
  const decrement = db.prepare<[string]>('UPDATE flood_windows SET count = count - 1 WHERE key = ? AND count > 0');
  const ended = db.prepare<[number]>('DELETE FROM flood_windows WHERE ends_at <= ?');
  const forget = db.prepare<[number]>('DELETE FROM flood_events WHERE last_at <= ?');
  const bump = db.prepare<[number, number, string, string]>('UPDATE flood_events SET count = count + 1, last_at = ?, max = ? WHERE limit_name = ? AND mailbox = ?');
  const size = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM flood_events');
  const insert = db.prepare<[string, string, number, number, number]>('INSERT INTO flood_events (limit_name, mailbox, max, count, first_at, last_at) VALUES (?, ?, ?, 1, ?, ?)');
  const since = db.prepare<[number], EventRow>('SELECT * FROM flood_events WHERE last_at > ?');

  // All or none: the units taken before a full window are given back, and a failing statement undoes the savepoint.
  const take = db.transaction((budgets: Parameters<FloodCounters['take']>[0], now: number): TakeResult => {
    const windows = budgets.map((budget) => ({ budget, ...windowOf(budget, now) }));
    const full = windows.findIndex((w) => increment.run(w.key, w.endsAt, w.budget.limit).changes === 0);
    const budget = windows[full]?.budget;
    if (!budget) return { taken: { keys: windows.map((w) => w.key) } };
    for (const w of windows.slice(0, full)) decrement.run(w.key);
    return { full: budget };
  });
  const note = db.transaction((limit: LimitName, mailbox: string, max: number, now: number) => {
    forget.run(now - FLOOD_EVENT_LIMITS.retentionMs);
    if (bump.run(now, max, limit, mailbox).changes > 0) return;
    if ((size.get()?.n ?? 0) < FLOOD_EVENT_LIMITS.maxEvents) insert.run(limit, mailbox, max, now, now);
  });

  return {
    async take(budgets, now) {
      return write('flood take', () => take(budgets, now));
    },
    async giveBack(taken) {
      await write('flood give back', () => taken.keys.forEach((key) => decrement.run(key)));
    },
    async note(hold, now) {
      await write('flood note', () => note(hold.limit, hold.mailbox, hold.max, now));
    },
    async recent(now) {
      const rows = guard('flood events', () => since.all(now - FLOOD_EVENT_LIMITS.retentionMs));
      return rows.map((r): FloodEvent => ({ limit: r.limit_name, mailbox: r.mailbox, max: r.max, count: r.count, first: r.first_at, last: r.last_at })).sort(byLatest);
    },
    /** Drops windows that have ended: their counts are never read again. */
    prune(now) {
      return ended.run(now).changes;
    },
  };
}
