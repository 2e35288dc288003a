import type { AliasFacts, AliasUse } from './inventory.js';

/** How long counts wait in memory before they are written (SQLite): what a crash can lose of them, at most. */
export const COUNTS_FLUSH_MS = 1000;
/** Aliases with counts in memory at once; one more and they are written at once. */
export const MAX_PENDING_ALIASES = 1000;

/** One sender domain's messages to an alias since the last flush. */
export interface PendingSender {
  first: number;
  last: number;
  count: number;
  /** The policy found the domain new at its first message here: stored with the domain when it is inserted. */
  isNew: boolean;
}

/** One alias's messages since the last flush: what its row's counters and its sender rows gain. */
export interface PendingAlias {
  first: number;
  last: number;
  forwarded: number;
  refused: number;
  /** Of the forwarded: how many came from an authenticated sender (what keeps a learned alias). */
  authenticated: number;
  /** In the order the domains first wrote (the order their rows would have been inserted in). */
  senders: Map<string, PendingSender>;
}

/**
 * The inventory's per-message bookkeeping (counts, first and last seen, sender domains), added up in memory and
 * written in one go (store/sqlite/inventory.ts flushes it every second, in whatever group commit is under way, and
 * before any operator write or listing). A crash loses at most those seconds of counts: never a block, an add, a
 * ledger claim or a completion, which are written at once. Bounded: `max` aliases, then the caller flushes.
 */
export function pendingCounts(max: number) {
  let byAlias = new Map<string, PendingAlias>();
  // Taken for a write that has not committed yet: still counted by reads until it has (or has failed).
  const writing = new Set<Map<string, PendingAlias>>();
  return {
    get size() {
      return byAlias.size;
    },
    /** Adds one message; true when the buffer is full and should be flushed now. */
    add(use: AliasUse): boolean {
      const alias = byAlias.get(use.address) ?? { first: use.at, last: use.at, forwarded: 0, refused: 0, authenticated: 0, senders: new Map<string, PendingSender>() };
      alias.first = Math.min(alias.first, use.at);
      alias.last = Math.max(alias.last, use.at);
      if (use.outcome === 'forwarded') alias.forwarded++;
      else alias.refused++;
      if (use.outcome === 'forwarded' && use.authenticated === true) alias.authenticated++;
      if (use.senderDomain !== null) {
        const sender = alias.senders.get(use.senderDomain) ?? { first: use.at, last: use.at, count: 0, isNew: use.newSender };
        sender.last = Math.max(sender.last, use.at);
        sender.count++;
        alias.senders.set(use.senderDomain, sender);
      }
      byAlias.set(use.address, alias);
      return byAlias.size >= max;
    },
    /** What is not on disk yet for one alias: kept, and taken for a write still under way (oldest first). */
    get(address: string): PendingAlias[] {
      return [...writing, byAlias].flatMap((batch) => batch.get(address) ?? []);
    },
    /** Hands every pending alias over to `write`, and starts afresh; they count for reads until `write` settles. */
    async writeOut(write: (taken: ReadonlyMap<string, PendingAlias>) => Promise<void>): Promise<void> {
      const taken = byAlias;
      byAlias = new Map();
      writing.add(taken);
      try {
        await write(taken);
      } finally {
        writing.delete(taken);
      }
    },
  };
}

export type PendingCounts = ReturnType<typeof pendingCounts>;

/**
 * The facts as stored, with what is still pending added: a first forward makes the alias known at once, and a
 * domain that just wrote is seen — unless it would find no room among `roomForSenders` more sender rows, as a domain
 * beyond the cap is new at every message (when unsure, it errs towards new: the leak signal fires once more).
 */
export function withPending(stored: AliasFacts, pending: readonly PendingAlias[], senderDomain: string | null, roomForSenders: () => number): AliasFacts {
  if (pending.length === 0) return stored;
  const domains = [...new Set(pending.flatMap((p) => [...p.senders.keys()]))];
  const seen = (): boolean => senderDomain !== null && domains.includes(senderDomain) && domains.indexOf(senderDomain) < roomForSenders();
  return {
    known: stored.known || pending.some((p) => p.forwarded > 0),
    blocked: stored.blocked,
    firstSeen: stored.firstSeen ?? Math.min(...pending.map((p) => p.first)),
    senderSeen: stored.senderSeen || seen(),
  };
}
