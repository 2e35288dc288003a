import type { Clock } from '../../clock.js';
import { INVENTORY_LIMITS, InventoryFull, type AliasEntry, type Inventory, type InventoryLimits } from '../inventory.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

interface AliasRow {
  address: string;
  first_seen: number | null;
  last_seen: number | null;
  added_at: number | null;
  forwarded: number;
  refused: number;
  blocked: number;
}
interface SenderRow {
  domain: string;
  count: number;
  first_seen: number;
  last_seen: number;
  is_new: number;
}

const ALIAS_COLUMNS = 'address, first_seen, last_seen, added_at, forwarded, refused, blocked';

/**
 * The inventory on SQLite (tables `aliases` and `alias_senders`, migration 3). Each write is a transaction in
 * the group commit's IMMEDIATE one, so two processes on one file never both take the last free place.
 */
export function sqliteInventory(
  db: SqliteDatabase,
  clock: Clock,
  guard: <T>(what: string, run: () => T) => T,
  write: GroupWrite,
  limits: InventoryLimits = INVENTORY_LIMITS,
): Inventory & { prune(): number } {
  const facts = db.prepare<[string, string], Omit<AliasRow, 'address' | 'last_seen' | 'refused'> & { seen: number }>(
    `SELECT first_seen, added_at, forwarded, blocked,
            EXISTS (SELECT 1 FROM alias_senders s WHERE s.address = a.address AND s.domain = ?) AS seen
       FROM aliases a WHERE address = ?`,
  );
  const one = db.prepare<[string], AliasRow>(`SELECT ${ALIAS_COLUMNS} FROM aliases WHERE address = ?`);
  // Ties broken by address (as Redis orders equal scores), so pages of the listing neither skip nor repeat one.
  const recent = db.prepare<[number, number], AliasRow>(`SELECT ${ALIAS_COLUMNS} FROM aliases ORDER BY touched_at DESC, address DESC LIMIT ? OFFSET ?`);
  const sendersOf = db.prepare<[string], SenderRow>('SELECT domain, count, first_seen, last_seen, is_new FROM alias_senders WHERE address = ? ORDER BY first_seen, domain');
  const size = db.prepare<[], { aliases: number }>('SELECT aliases FROM inventory_size');
  const evictOne = db.prepare('DELETE FROM aliases WHERE address = (SELECT address FROM aliases WHERE transient = 1 ORDER BY touched_at LIMIT 1)');
  const insert = db.prepare<[{ address: string; first: number | null; added: number | null; at: number; fwd: number; ref: number; blocked: number; transient: number }]>(
    `INSERT INTO aliases (address, first_seen, last_seen, added_at, touched_at, forwarded, refused, blocked, transient)
     VALUES (@address, @first, @first, @added, @at, @fwd, @ref, @blocked, @transient)`,
  );
  const mailed = db.prepare<[{ address: string; at: number; fwd: number; ref: number }]>(
    `UPDATE aliases SET first_seen = COALESCE(first_seen, @at), last_seen = @at, touched_at = @at,
            forwarded = forwarded + @fwd, refused = refused + @ref, transient = transient * (1 - @fwd)
      WHERE address = @address`,
  );
  const markAdded = db.prepare<[number, string]>('UPDATE aliases SET added_at = COALESCE(added_at, ?), transient = 0 WHERE address = ?');
  const markBlocked = db.prepare<[number, string]>('UPDATE aliases SET blocked = ?, transient = 0 WHERE address = ?');
  const senderMailed = db.prepare<[number, string, string]>('UPDATE alias_senders SET count = count + 1, last_seen = ? WHERE address = ? AND domain = ?');
  const senderCount = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM alias_senders WHERE address = ?');
  const senderInsert = db.prepare<[string, string, number, number, number]>(
    'INSERT INTO alias_senders (address, domain, count, first_seen, last_seen, is_new) VALUES (?, ?, 1, ?, ?, ?)',
  );
  const blockedCount = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM aliases WHERE blocked = 1');
  const expired = db.prepare<[number]>('DELETE FROM aliases WHERE transient = 1 AND touched_at <= ?');

  /** A place for one more alias: free, or (not for a transient one) taken from the oldest transient alias. */
  const room = (transient: boolean): boolean => {
    if ((size.get()?.aliases ?? 0) < limits.maxAliases) return true;
    return !transient && evictOne.run().changes > 0;
  };
  const entry = (row: AliasRow): AliasEntry => ({
    address: row.address,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    added: row.added_at,
    forwarded: row.forwarded,
    refused: row.refused,
    blocked: row.blocked === 1,
    senders: sendersOf.all(row.address).map((s) => ({ domain: s.domain, count: s.count, firstSeen: s.first_seen, lastSeen: s.last_seen, new: s.is_new === 1 })),
  });
  const empty = (address: string): AliasEntry => ({ address, firstSeen: null, lastSeen: null, added: null, forwarded: 0, refused: 0, blocked: false, senders: [] });

  const record = db.transaction((address: string, at: number, forwarded: boolean, domain: string | null, isNew: boolean) => {
    const counts = { address, at, fwd: forwarded ? 1 : 0, ref: forwarded ? 0 : 1 };
    if (mailed.run(counts).changes === 0) {
      if (!room(!forwarded)) return;
      insert.run({ ...counts, first: at, added: null, blocked: 0, transient: forwarded ? 0 : 1 });
    }
    if (domain === null || senderMailed.run(at, address, domain).changes > 0) return;
    if ((senderCount.get(address)?.n ?? 0) < limits.maxSendersPerAlias) senderInsert.run(address, domain, at, at, isNew ? 1 : 0);
  });
  /** Creates the alias if needed (as the operator's), then applies `change`; null when there is no room. */
  const operatorWrite = db.transaction((address: string, at: number, added: boolean, blocked: boolean | null): AliasEntry | null => {
    if (!one.get(address)) {
      if (blocked === false) return empty(address); // unblocking an address never seen: nothing to store
      if (!room(false)) return null;
      insert.run({ address, first: null, added: added ? at : null, at, fwd: 0, ref: 0, blocked: blocked ? 1 : 0, transient: 0 });
    } else if (added) markAdded.run(at, address);
    if (blocked !== null) markBlocked.run(blocked ? 1 : 0, address);
    const row = one.get(address);
    return row ? entry(row) : null;
  });
  const operator = async (what: string, address: string, at: number, added: boolean, blocked: boolean | null): Promise<AliasEntry> => {
    const result = await write(what, () => operatorWrite(address, at, added, blocked));
    if (result === null) throw new InventoryFull(`the inventory holds ${limits.maxAliases} aliases in use`);
    return result;
  };

  return {
    async facts(address, senderDomain) {
      const row = guard('facts', () => facts.get(senderDomain ?? '', address));
      if (!row) return { known: false, blocked: false, firstSeen: null, senderSeen: false };
      return { known: row.added_at !== null || row.forwarded > 0, blocked: row.blocked === 1, firstSeen: row.first_seen, senderSeen: row.seen === 1 };
    },
    async record(use) {
      await write('record', () => record(use.address, use.at, use.outcome === 'forwarded', use.senderDomain, use.newSender));
    },
    async add(address, at) {
      return operator('add', address, at, true, null);
    },
    async setBlocked(address, blocked, at) {
      return operator(blocked ? 'block' : 'unblock', address, at, false, blocked);
    },
    async list(query) {
      return guard('list', () => (query.address === undefined ? recent.all(query.limit, query.offset ?? 0) : [one.get(query.address)].flatMap((r) => (r ? [r] : []))).map(entry));
    },
    async blockedCount() {
      return guard('blocked count', () => blockedCount.get()?.n ?? 0);
    },
    /** Forgets aliases that only ever received refused mail and were not mailed for `transientTtlMs`. */
    prune() {
      return expired.run(clock.now() - limits.transientTtlMs).changes;
    },
  };
}
