import type { Clock } from '../../clock.js';
import { INVENTORY_LIMITS, InventoryFull, KEPT_AFTER, type AliasEntry, type ApiClaim, type Inventory, type InventoryLimits } from '../inventory.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';
import { COUNTS_FLUSH_MS, MAX_PENDING_ALIASES, pendingCounts, withPending, type PendingAlias } from '../inventory-counts.js';

interface AliasRow {
  address: string;
  first_seen: number | null;
  last_seen: number | null;
  added_at: number | null;
  forwarded: number;
  refused: number;
  blocked: number;
  operator: number;
  description: string | null;
  api_user: string | null;
}
interface SenderRow {
  domain: string;
  count: number;
  first_seen: number;
  last_seen: number;
  is_new: number;
}
type OperatorMode = 'add' | 'block' | 'unblock';

const ALIAS_COLUMNS = 'address, first_seen, last_seen, added_at, forwarded, refused, blocked, operator, description, api_user';
// `operator`: 0 learned, 1 the operator's (added or blocked), 2 made through the alias API (migration 8).
const API = 2;

/**
 * The inventory on SQLite (tables `aliases` and `alias_senders`, migrations 3 and 4). Each write is a
 * transaction in the group commit's IMMEDIATE one, so two processes on one file never both take the last
 * free place.
 */
export function sqliteInventory(
  db: SqliteDatabase,
  clock: Clock,
  guard: <T>(what: string, run: () => T) => T,
  write: GroupWrite,
  limits: InventoryLimits = INVENTORY_LIMITS,
  countsFlushMs: number = COUNTS_FLUSH_MS,
): Inventory & { prune(): number; flushCounts(): Promise<void> } {
  const facts = db.prepare<[string, string], Omit<AliasRow, 'address' | 'last_seen' | 'refused' | 'operator' | 'description' | 'api_user'> & { seen: number; imported: number }>(
    `SELECT first_seen, added_at, forwarded, blocked, imported,
            EXISTS (SELECT 1 FROM alias_senders s WHERE s.address = a.address AND s.domain = ?) AS seen
       FROM aliases a WHERE address = ?`,
  );
  const one = db.prepare<[string], AliasRow>(`SELECT ${ALIAS_COLUMNS} FROM aliases WHERE address = ?`);
  // Ties broken by address (as Redis orders equal scores), so pages of the listing neither skip nor repeat one.
  const recent = db.prepare<[number, number], AliasRow>(`SELECT ${ALIAS_COLUMNS} FROM aliases ORDER BY touched_at DESC, address DESC LIMIT ? OFFSET ?`);
  const sendersOf = db.prepare<[string], SenderRow>('SELECT domain, count, first_seen, last_seen, is_new FROM alias_senders WHERE address = ? ORDER BY first_seen, domain');
  const size = db.prepare<[], { aliases: number; operator: number; api: number }>('SELECT aliases, operator, api FROM inventory_size');
  const operatorCounts = db.prepare<[], { added: number }>(
    'SELECT COALESCE(SUM(added_at IS NOT NULL AND imported = 0), 0) AS added FROM aliases WHERE operator = 1',
  );
  // Who gives way when the learned part is full, least recently mailed first: a refused-only alias, else one with a
  // single message, else one not kept (store/inventory.ts). Each WHERE is its partial index's (migrations 3 and 7);
  // KEPT_AFTER is written into aliases_unkept's as 2.
  const evictions = [
    'transient = 1',
    'operator = 0 AND forwarded + refused <= 1',
    `operator = 0 AND authenticated < ${KEPT_AFTER}`,
  ].map((where) => db.prepare(`DELETE FROM aliases WHERE address = (SELECT address FROM aliases WHERE ${where} ORDER BY touched_at LIMIT 1)`));
  const insert = db.prepare<[{ address: string; first: number | null; last: number | null; added: number | null; at: number; fwd: number; ref: number; auth: number; blocked: number; transient: number; operator: number; imported: number; description: string | null }]>(
    `INSERT INTO aliases (address, first_seen, last_seen, added_at, touched_at, forwarded, refused, authenticated, blocked, transient, operator, imported, description)
     VALUES (@address, @first, @last, @added, @at, @fwd, @ref, @auth, @blocked, @transient, @operator, @imported, @description)`,
  );
  // A flush's messages to one alias (inventory-counts.ts): from @first to @at, @fwd forwarded (@auth of them from an
  // authenticated sender) and @ref refused.
  const mailed = db.prepare<[{ address: string; first: number; at: number; fwd: number; ref: number; auth: number }]>(
    `UPDATE aliases SET first_seen = COALESCE(first_seen, @first), last_seen = MAX(COALESCE(last_seen, @at), @at), touched_at = MAX(touched_at, @at),
            forwarded = forwarded + @fwd, refused = refused + @ref, authenticated = authenticated + @auth, transient = transient * (@fwd = 0)
      WHERE address = @address`,
  );
  const importedCount = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM aliases WHERE imported = 1');
  const markImported = db.prepare<[number, string]>('UPDATE aliases SET added_at = COALESCE(added_at, ?), operator = 1, imported = 1, transient = 0 WHERE address = ?');
  const markAdded = db.prepare<[number, string | null, string]>(
    'UPDATE aliases SET added_at = COALESCE(added_at, ?), description = COALESCE(?, description), operator = MAX(operator, 1), transient = 0 WHERE address = ?',
  );
  // An API alias stays in its own part whatever the operator does to it (MAX keeps 2).
  const markBlocked = db.prepare<[string]>('UPDATE aliases SET blocked = 1, operator = MAX(operator, 1), transient = 0 WHERE address = ?');
  const markUnblocked = db.prepare<[string]>(
    `UPDATE aliases SET blocked = 0, operator = CASE WHEN operator = ${API} THEN ${API} ELSE (added_at IS NOT NULL) END,
            transient = (added_at IS NULL AND forwarded = 0) WHERE address = ?`,
  );
  const apiInsert = db.prepare<[{ address: string; id: string; user: string; at: number; description: string | null }]>(
    `INSERT INTO aliases (address, added_at, touched_at, transient, operator, description, api_user, api_id)
     VALUES (@address, @at, @at, 0, ${API}, @description, @user, @id)`,
  );
  // Through aliases_api: one user's index entries, never the rest of the table.
  const apiCount = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM aliases WHERE api_user = ?');
  const apiPage = db.prepare<[string, number, number], AliasRow>(`SELECT ${ALIAS_COLUMNS} FROM aliases WHERE api_user = ? ORDER BY added_at DESC, address DESC LIMIT ? OFFSET ?`);
  const apiById = db.prepare<[string], AliasRow>(`SELECT ${ALIAS_COLUMNS} FROM aliases WHERE api_id = ?`);
  const blockOne = db.prepare<[string]>('UPDATE aliases SET blocked = 1 WHERE address = ?');
  const forget = db.prepare<[string]>('DELETE FROM aliases WHERE address = ?');
  const senderMailed = db.prepare<[number, number, string, string]>('UPDATE alias_senders SET count = count + ?, last_seen = MAX(last_seen, ?) WHERE address = ? AND domain = ?');
  const senderCount = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM alias_senders WHERE address = ?');
  const senderInsert = db.prepare<[string, string, number, number, number, number]>(
    'INSERT INTO alias_senders (address, domain, count, first_seen, last_seen, is_new) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const blockedCount = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM aliases WHERE blocked = 1');
  const expiredTransient = db.prepare<[number]>('DELETE FROM aliases WHERE transient = 1 AND touched_at <= ?');
  const expiredLearned = db.prepare<[number]>('DELETE FROM aliases WHERE operator = 0 AND touched_at <= ?');

  const counts = (): { learned: number; operatorRows: number } => {
    const row = size.get() ?? { aliases: 0, operator: 0, api: 0 };
    return { learned: row.aliases - row.operator - row.api, operatorRows: row.operator };
  };
  // Imported entries are operator rows (never expire, never give way) with a cap of their own: counted apart (by an
  // index) only where a cap or the size needs it, never for a learned alias's place.
  const parts = (): { learned: number; operator: number; imported: number } => {
    const { learned, operatorRows } = counts();
    const imported = importedCount.get()?.n ?? 0;
    return { learned, operator: operatorRows - imported, imported };
  };
  /** A place for one more learned alias: free, or (not for a refused-only one) taken from another learned one. */
  const learnedRoom = (transient: boolean): boolean => {
    if (counts().learned < limits.maxLearnedAliases) return true;
    return !transient && evictions.some((evict) => evict.run().changes > 0);
  };
  const operatorRoom = (): boolean => parts().operator < limits.maxOperatorAliases;
  const entry = (row: AliasRow): AliasEntry => ({
    address: row.address,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    added: row.added_at,
    forwarded: row.forwarded,
    refused: row.refused,
    blocked: row.blocked === 1,
    senders: sendersOf.all(row.address).map((s) => ({ domain: s.domain, count: s.count, firstSeen: s.first_seen, lastSeen: s.last_seen, new: s.is_new === 1 })),
    ...(row.description === null ? {} : { description: row.description }),
    ...(row.api_user === null ? {} : { apiUser: row.api_user }),
  });
  // An imported alias learns from its import, or from its first message if that came before (it was learned first).
  const learningSince = (row: { first_seen: number | null; added_at: number | null; imported: number }): number | null =>
    row.imported === 1 && row.added_at !== null ? Math.min(row.first_seen ?? row.added_at, row.added_at) : row.first_seen;
  const empty = (address: string): AliasEntry => ({ address, firstSeen: null, lastSeen: null, added: null, forwarded: 0, refused: 0, blocked: false, senders: [] });

  /** Writes what was kept in memory (inventory-counts.ts), alias by alias, as one message each would have been. */
  const flush = db.transaction((taken: ReadonlyMap<string, PendingAlias>) => {
    for (const [address, p] of taken) {
      const counts = { address, first: p.first, at: p.last, fwd: p.forwarded, ref: p.refused, auth: p.authenticated };
      if (mailed.run(counts).changes === 0) {
        if (!learnedRoom(p.forwarded === 0)) continue;
        insert.run({ ...counts, last: p.last, added: null, blocked: 0, transient: p.forwarded === 0 ? 1 : 0, operator: 0, imported: 0, description: null });
      }
      for (const [domain, sender] of p.senders) {
        if (senderMailed.run(sender.count, sender.last, address, domain).changes > 0) continue;
        if ((senderCount.get(address)?.n ?? 0) < limits.maxSendersPerAlias) senderInsert.run(address, domain, sender.count, sender.first, sender.last, sender.isNew ? 1 : 0);
      }
    }
  });
  // Counts wait in memory for `countsFlushMs` (0: written with the message's own commit, and awaited).
  const pending = pendingCounts(MAX_PENDING_ALIASES);
  let timer: NodeJS.Timeout | null = null;
  const flushCounts = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return Promise.resolve();
    return pending.writeOut((taken) => write('record', () => flush(taken)));
  };
  // Bookkeeping after the fact: counts lost to a store outage (or a crash) cost those counts, nothing else.
  const flushSoon = (): void => {
    timer ??= setTimeout(() => void flushCounts().catch(() => undefined), countsFlushMs);
    timer.unref();
  };

  /** add, block, unblock in one transaction; null when the operator's part is full. */
  const operatorWrite = db.transaction((address: string, at: number, mode: OperatorMode, description: string | null): AliasEntry | null => {
    const row = one.get(address);
    if (mode === 'unblock') {
      if (!row || row.blocked === 0) return row ? entry(row) : empty(address); // nothing to store or change
      if (row.added_at === null && row.first_seen === null) {
        forget.run(address); // blocked before it was ever mailed: nothing left to remember
        return empty(address);
      }
      // Back to learned (unless added): it needs a learned place, taken like a new alias's.
      if (row.added_at === null) learnedRoom(false);
      markUnblocked.run(address);
    } else {
      // Learned or new: it takes an operator place. The operator's own and API aliases have their place already.
      if ((row?.operator ?? 0) === 0 && !operatorRoom()) return null;
      if (!row) {
        insert.run({ address, first: null, last: null, added: null, at, fwd: 0, ref: 0, auth: 0, blocked: 0, transient: 0, operator: 1, imported: 0, description: null });
      }
      if (mode === 'add') markAdded.run(at, description, address);
      else markBlocked.run(address);
    }
    const after = one.get(address);
    return after ? entry(after) : empty(address);
  });
  const operator = async (address: string, at: number, mode: OperatorMode, description: string | null = null): Promise<AliasEntry> => {
    // The counts kept so far go first, in the same group: the operator's write sees every message before it.
    flushCounts().catch(() => undefined);
    const result = await write(mode, () => operatorWrite(address, at, mode, description));
    if (result === null) throw new InventoryFull(`the operator's part of the inventory holds its ${limits.maxOperatorAliases} added or blocked aliases`);
    return result;
  };

  /** The whole batch in one transaction; null when it does not fit in the imported part. */
  const importWrite = db.transaction((addresses: readonly string[], at: number) => {
    const rows = addresses.map((address) => ({ address, row: one.get(address) }));
    // Only learned or unknown ones come in: the operator's own and the alias API's are known already.
    const fresh = rows.filter(({ row }) => (row?.operator ?? 0) === 0);
    if (parts().imported + fresh.length > limits.maxImportedAliases) return null;
    for (const { address, row } of fresh) {
      if (!row) insert.run({ address, first: null, last: null, added: at, at, fwd: 0, ref: 0, auth: 0, blocked: 0, transient: 0, operator: 1, imported: 1, description: null });
      else markImported.run(at, address);
    }
    return { imported: fresh.length, alreadyOperator: rows.length - fresh.length };
  });
  const claimApi = db.transaction((c: Parameters<Inventory['claimApiAlias']>[0]): ApiClaim => {
    if (one.get(c.address)) return { outcome: 'taken' };
    if ((apiCount.get(c.user)?.n ?? 0) >= c.maxPerUser) return { outcome: 'full' };
    apiInsert.run({ address: c.address, id: c.id, user: c.user, at: c.at, description: c.description ?? null });
    const row = one.get(c.address);
    return row ? { outcome: 'claimed', entry: entry(row) } : { outcome: 'taken' };
  });
  const blockApi = db.transaction((user: string, key: Parameters<Inventory['blockApiAlias']>[1]): AliasEntry | null => {
    const row = 'id' in key ? apiById.get(key.id) : one.get(key.address);
    if (!row || row.api_user !== user) return null;
    blockOne.run(row.address);
    return entry({ ...row, blocked: 1 });
  });

  return {
    async claimApiAlias(claim) {
      return write('claim', () => claimApi(claim));
    },
    async listApiAliases(user, limit, offset) {
      return guard('list', () => ({ entries: apiPage.all(user, limit, offset).map(entry), total: apiCount.get(user)?.n ?? 0 }));
    },
    async blockApiAlias(user, key) {
      return write('block', () => blockApi(user, key));
    },
    async forget(address) {
      // Counts kept for it so far go first: written after the delete, they would bring it back as learned.
      await flushCounts().catch(() => undefined);
      return write('forget', () => forget.run(address).changes > 0);
    },
    async facts(address, senderDomain) {
      const row = guard('facts', () => facts.get(senderDomain ?? '', address));
      const stored = row
        ? { known: row.added_at !== null || row.forwarded > 0, blocked: row.blocked === 1, firstSeen: learningSince(row), senderSeen: row.seen === 1 }
        : { known: false, blocked: false, firstSeen: null, senderSeen: false };
      const room = () => limits.maxSendersPerAlias - guard('facts', () => senderCount.get(address)?.n ?? 0);
      return withPending(stored, pending.get(address), senderDomain, room);
    },
    async record(use) {
      const full = pending.add(use);
      if (countsFlushMs === 0 || full) await flushCounts();
      else flushSoon();
    },
    flushCounts,
    async importAliases(addresses, at) {
      flushCounts().catch(() => undefined);
      const result = await write('import', () => importWrite(addresses, at));
      if (result === null) throw new InventoryFull(`the inventory's imported part holds at most ${limits.maxImportedAliases} aliases`);
      return result;
    },
    add: (address, at, description) => operator(address, at, 'add', description ?? null),
    setBlocked: (address, blocked, at) => operator(address, at, blocked ? 'block' : 'unblock'),
    async list(query) {
      await flushCounts().catch(() => undefined);
      return guard('list', () => (query.address === undefined ? recent.all(query.limit, query.offset ?? 0) : [one.get(query.address)].flatMap((r) => (r ? [r] : []))).map(entry));
    },
    async blockedCount() {
      return guard('blocked count', () => blockedCount.get()?.n ?? 0);
    },
    async size() {
      await flushCounts().catch(() => undefined);
      return guard('size', () => {
        const { learned, operator, imported } = parts();
        const added = operatorCounts.get()?.added ?? 0;
        const blocked = blockedCount.get()?.n ?? 0;
        return { learned, learnedMax: limits.maxLearnedAliases, operator, operatorMax: limits.maxOperatorAliases, imported, importedMax: limits.maxImportedAliases, added, blocked };
      });
    },
    /** Forgets learned aliases not mailed for `transientTtlMs` (refused-only ones) or `learnedTtlMs`. */
    prune() {
      const now = clock.now();
      return expiredTransient.run(now - limits.transientTtlMs).changes + expiredLearned.run(now - limits.learnedTtlMs).changes;
    },
  };
}
