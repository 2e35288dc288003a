import type { Clock } from '../../clock.js';
import { byAlias, type FailureLogLimits } from '../failures.js';
import type { Failure, FailureEntry, FailureLog, FailureSeverity } from '../types.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

interface Row {
  alias: string;
  target: string;
  count: number;
  severity: FailureSeverity;
  reason: string;
  code: number | null;
  message: string;
  at: number;
  storage_url: string | null;
  resent_at: number | null;
}

const entry = ({ count, storage_url, resent_at, ...last }: Row): FailureEntry => ({ count, last: { ...last, storageUrl: storage_url }, resentAt: resent_at });

/** The failure log on SQLite: one row per (alias, target), pruned by age and count on every write. */
export function sqliteFailures(db: SqliteDatabase, clock: Clock, limits: FailureLogLimits, guard: <T>(what: string, run: () => T) => T, write: GroupWrite): FailureLog & { prune(): number } {
  const upsert = db.prepare<[Failure]>(
    `INSERT INTO failures (alias, target, count, severity, reason, code, message, at, storage_url)
     VALUES (@alias, @target, 1, @severity, @reason, @code, @message, @at, @storageUrl)
     ON CONFLICT (alias, target) DO UPDATE SET count = count + 1, severity = excluded.severity, reason = excluded.reason,
       code = excluded.code, message = excluded.message, at = excluded.at, storage_url = excluded.storage_url, resent_at = NULL`,
  );
  const resent = db.prepare<[number, string, string, number]>('UPDATE failures SET resent_at = ? WHERE alias = ? AND target = ? AND at = ?');
  const expired = db.prepare<[number]>('DELETE FROM failures WHERE at <= ?');
  const overCap = db.prepare<[number]>('DELETE FROM failures WHERE rowid IN (SELECT rowid FROM failures ORDER BY at DESC, rowid DESC LIMIT -1 OFFSET ?)');
  const recent = db.prepare<[number, number], Row>('SELECT * FROM failures WHERE at > ? ORDER BY at DESC, rowid DESC LIMIT ?');
  const ofAlias = db.prepare<[string, number], Row>('SELECT * FROM failures WHERE alias = ? AND at > ?');
  const cutoff = () => clock.now() - limits.retentionMs;
  const prune = () => expired.run(cutoff()).changes + overCap.run(limits.maxPairs).changes;
  // Expired rows go before the write (a pair that fails again after it was forgotten counts from one), the
  // rows beyond the cap after it.
  const record = db.transaction((failure: Failure) => {
    expired.run(cutoff());
    upsert.run(failure);
    overCap.run(limits.maxPairs);
  });

  return {
    async record(failure) {
      await write('record failure', () => record(failure));
    },
    async summary(aliases) {
      return guard('failure summary', () => byAlias([...new Set(aliases)].flatMap((alias) => ofAlias.all(alias, cutoff()).map(entry))));
    },
    async recent(limit) {
      return guard('recent failures', () => recent.all(cutoff(), limit).map(entry));
    },
    async markResent({ alias, target, at }, resentAt) {
      await write('mark failure resent', () => resent.run(resentAt, alias, target, at));
    },
    prune,
  };
}
