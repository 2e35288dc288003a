import type { Clock } from '../../clock.js';
import { newReplyToken, type ReplyAddresses, type ReplyEntry, type ReplyLimits } from '../reply-addresses.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

interface Row {
  token: string;
  alias: string;
  contact: string;
  user: string | null;
  pinned: number;
}

const entry = (row: Row): ReplyEntry => ({ token: row.token, alias: row.alias, contact: row.contact, user: row.user, pinned: row.pinned === 1 });

/** Reply addresses on SQLite (migration 7): one row per pair, the unpinned ones capped by least recent use. */
export function sqliteReplyAddresses(db: SqliteDatabase, clock: Clock, limits: ReplyLimits, guard: <T>(what: string, run: () => T) => T, write: GroupWrite): ReplyAddresses {
  const byPair = db.prepare<[string, string], Row>('SELECT * FROM reply_addresses WHERE alias = ? AND contact = ?');
  const byToken = db.prepare<[string], Row>('SELECT * FROM reply_addresses WHERE token = ?');
  const touch = db.prepare<[number, number, string]>('UPDATE reply_addresses SET touched_at = ?, pinned = max(pinned, ?) WHERE token = ?');
  const insert = db.prepare<[string, string, string, string | null, number, number]>(
    'INSERT INTO reply_addresses (token, alias, contact, user, pinned, touched_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const unpinned = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM reply_addresses WHERE pinned = 0');
  const dropOldest = db.prepare<[number]>(
    'DELETE FROM reply_addresses WHERE token IN (SELECT token FROM reply_addresses WHERE pinned = 0 ORDER BY touched_at LIMIT ?)',
  );
  const pin = db.prepare<[string]>('UPDATE reply_addresses SET pinned = 1 WHERE token = ?');

  const issue = db.transaction((alias: string, contact: string, user: string | null, pinned: boolean): string => {
    const now = clock.now();
    const found = byPair.get(alias, contact);
    if (found) {
      touch.run(now, pinned ? 1 : 0, found.token);
      return found.token;
    }
    const token = newReplyToken();
    insert.run(token, alias, contact, user, pinned ? 1 : 0, now);
    if (!pinned) {
      const over = (unpinned.get()?.n ?? 0) - limits.maxUnpinned;
      if (over > 0) dropOldest.run(over);
    }
    return token;
  });
  return {
    issue: (pair, pinned) => write('issue reply address', () => issue(pair.alias, pair.contact, pair.user, pinned)),
    async find(token) {
      return guard('find reply address', () => {
        const row = byToken.get(token);
        return row ? entry(row) : null;
      });
    },
    async pin(token) {
      await write('pin reply address', () => pin.run(token));
    },
  };
}
