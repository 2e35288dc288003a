import type { LimitName } from '../../rules/resolved-limits.js';
import { byLatest, FLOOD_EVENT_LIMITS, windowOf, type FloodCounters, type FloodEvent, type TakeResult, type Unit } from '../flood.js';
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
CREATE TABLE IF NOT EXISTS flood_members (key TEXT NOT NULL, member TEXT NOT NULL, refs INTEGER NOT NULL, ends_at INTEGER NOT NULL, PRIMARY KEY (key, member)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS flood_members_end ON flood_members (ends_at);
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
  // A member already in its window: one more take of it, at no cost to the window.
  const again = db.prepare<[string, string]>('UPDATE flood_members SET refs = refs + 1 WHERE key = ? AND member = ?');
  const join = db.prepare<[string, string, number]>('INSERT INTO flood_members (key, member, refs, ends_at) VALUES (?, ?, 1, ?)');
  const refs = db.prepare<[string, string], { refs: number }>('SELECT refs FROM flood_members WHERE key = ? AND member = ?');
  const release = db.prepare<[string, string]>('UPDATE flood_members SET refs = refs - 1 WHERE key = ? AND member = ?');
  const leave = db.prepare<[string, string]>('DELETE FROM flood_members WHERE key = ? AND member = ?');
  const ended = db.prepare<[number]>('DELETE FROM flood_windows WHERE ends_at <= ?');
  const endedMembers = db.prepare<[number]>('DELETE FROM flood_members WHERE ends_at <= ?');
  const forget = db.prepare<[number]>('DELETE FROM flood_events WHERE last_at <= ?');
  const bump = db.prepare<[number, number, string, string]>('UPDATE flood_events SET count = count + 1, last_at = ?, max = ? WHERE limit_name = ? AND mailbox = ?');
  const size = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM flood_events');
  const insert = db.prepare<[string, string, number, number, number]>('INSERT INTO flood_events (limit_name, mailbox, max, count, first_at, last_at) VALUES (?, ?, ?, 1, ?, ?)');
  const since = db.prepare<[number], EventRow>('SELECT * FROM flood_events WHERE last_at > ?');

  // One unit of one window: false (and nothing taken) when it is full. A member the window holds costs nothing more.
  const takeOne = (w: Unit & { endsAt: number; limit: number }): boolean => {
    if (w.member === undefined) return increment.run(w.key, w.endsAt, w.limit).changes > 0;
    if (again.run(w.key, w.member).changes > 0) return true;
    if (increment.run(w.key, w.endsAt, w.limit).changes === 0) return false;
    join.run(w.key, w.member, w.endsAt);
    return true;
  };
  // A member's unit is the window's again only once its last take is given back.
  const giveOne = (unit: Unit): void => {
    if (unit.member === undefined) {
      decrement.run(unit.key);
      return;
    }
    const held = refs.get(unit.key, unit.member)?.refs;
    if (held === undefined) return;
    if (held > 1) {
      release.run(unit.key, unit.member);
      return;
    }
    leave.run(unit.key, unit.member);
    decrement.run(unit.key);
  };
  // All or none: the units taken before a full window are given back, and a failing statement undoes the savepoint.
  const take = db.transaction((budgets: Parameters<FloodCounters['take']>[0], now: number): TakeResult => {
    const windows = budgets.map((budget) => ({ budget, limit: budget.limit, ...windowOf(budget, now) }));
    const full = windows.findIndex((w) => !takeOne(w));
    const budget = windows[full]?.budget;
    const units = windows.map(({ key, member }): Unit => (member === undefined ? { key } : { key, member }));
    if (!budget) return { taken: { units } };
    units.slice(0, full).forEach(giveOne);
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
      await write('flood give back', () => taken.units.forEach(giveOne));
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
      return ended.run(now).changes + endedMembers.run(now).changes;
    },
  };
}
