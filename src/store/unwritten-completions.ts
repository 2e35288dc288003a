/**
 * Completions the store could not record: a send went out (Mailgun accepted it), then the write that says so
 * failed (Redis down, a full or failing disk). The delivery is answered 503 and Mailgun retries it 10 minutes
 * later at the earliest; until then the ledger answers a claim on such a key 'used' from here, and writes it to
 * the store as soon as the store takes writes again, so that retry (or one after a restart) is a `duplicate`
 * and does not send the message a second time. Both ledgers (Redis, SQLite) keep them the same way.
 *
 * Bounded: a long outage costs memory only up to `max` (each entry is a stored key, about 80 bytes); beyond it
 * a completion is lost as on a crash, and its retry may send once more (the one at-least-once case in docs/operations.md, Outages).
 */
export interface UnwrittenCompletions {
  readonly size: number;
  has(storedKey: string): boolean;
  /** Remembers a completion whose write failed, until `expiresAt` (epoch ms), the end of its ledger ttl. */
  keep(storedKey: string, expiresAt: number): void;
  /**
   * Hands every unexpired completion to `write` (stored key → expiry) and forgets those it wrote. `write` throws
   * when the store is still down: they stay, for the next try. Concurrent calls share one attempt.
   */
  writeOut(write: (entries: ReadonlyArray<readonly [string, number]>) => Promise<void>): Promise<void>;
}

export const MAX_UNWRITTEN_COMPLETIONS = 10_000;

export function unwrittenCompletions(now: () => number, max = MAX_UNWRITTEN_COMPLETIONS): UnwrittenCompletions {
  const kept = new Map<string, number>();
  let attempt: Promise<void> | null = null;

  const writeOut = async (write: (entries: ReadonlyArray<readonly [string, number]>) => Promise<void>): Promise<void> => {
    const at = now();
    for (const [key, expiresAt] of kept) if (expiresAt <= at) kept.delete(key);
    const entries = [...kept];
    if (entries.length === 0) return;
    await write(entries);
    // Only what was written: a key kept again meanwhile (a later expiry) stays for the next round.
    for (const [key, expiresAt] of entries) if (kept.get(key) === expiresAt) kept.delete(key);
  };

  return {
    get size() {
      return kept.size;
    },
    has: (key) => (kept.get(key) ?? 0) > now(),
    keep(key, expiresAt) {
      if (kept.has(key) || kept.size < max) kept.set(key, Math.max(expiresAt, kept.get(key) ?? 0));
    },
    writeOut(write) {
      attempt ??= writeOut(write).finally(() => (attempt = null));
      return attempt;
    },
  };
}
