/**
 * The alias inventory: per address on our domains (lower-cased), when it was first and last mailed, how
 * many messages were forwarded and refused, whether it is blocked, and which sender domains (registrable
 * domains, eTLD+1) wrote to it. SQLite and Redis implement it (store/<backend>/inventory.ts), and one
 * contract test suite runs against both.
 *
 * Anyone can mail random@your-domain, so the inventory is bounded by construction (INVENTORY_LIMITS):
 * - at most `maxAliases` aliases. When full, a new alias that was only refused is not recorded, and a
 *   new alias whose mail was forwarded (or one the operator adds) takes the place of the least recently
 *   seen alias that only ever received refused mail: a flood can never push out an alias in real use;
 * - an alias that only ever received refused mail (a dictionary attack on a closed catch-all, a blocked
 *   sender) is forgotten `transientTtlMs` after it was last mailed, unless it was added or blocked;
 * - at most `maxSendersPerAlias` sender domains per alias. Later domains are not stored, only counted in
 *   the alias's totals, and each of their messages is a new sender again (the leak signal keeps firing);
 * - every stored string is bounded: addresses by RFC 5321 (≤ 318), domains by DNS (≤ 253).
 * Worst case: 10,000 × 32 sender rows of under 100 bytes, about 30 MB, whatever a sender does.
 */
export const INVENTORY_LIMITS = {
  maxAliases: 10_000,
  maxSendersPerAlias: 32,
  transientTtlMs: 14 * 24 * 3600 * 1000,
} as const;

export type InventoryLimits = { readonly [K in keyof typeof INVENTORY_LIMITS]: number };

/** What the policy needs to know about an alias before it decides (read before the message is recorded). */
export interface AliasFacts {
  /** Added ahead of time, or mail to it was forwarded before: `new_aliases: reject` lets it through. */
  known: boolean;
  blocked: boolean;
  /** Epoch ms of its first message; null when it never received one (unknown, or only added). */
  firstSeen: number | null;
  /** The sender domain asked about has written to it before. */
  senderSeen: boolean;
}

/** One signed delivery to an alias, as it ended. */
export interface AliasUse {
  address: string;
  at: number;
  outcome: 'forwarded' | 'refused';
  /** The registrable sender domain, or null when the message named none. */
  senderDomain: string | null;
  /** The policy found this sender domain new (after the learning period): stored with the domain. */
  newSender: boolean;
}

export interface SenderEntry {
  domain: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  new: boolean;
}

export interface AliasEntry {
  address: string;
  /** Epoch ms; null until the alias receives its first message. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Epoch ms the operator added it ahead of time, else null. */
  added: number | null;
  forwarded: number;
  refused: number;
  blocked: boolean;
  senders: SenderEntry[];
}

export interface AliasQuery {
  /** Only this (lower-cased) address. */
  address?: string;
  /** Most recent first (by last message, else by when it was added); at most this many. */
  limit: number;
  /** Skip this many of that order first (a page of the listing); 0 when absent. */
  offset?: number;
}

export interface Inventory {
  facts(address: string, senderDomain: string | null): Promise<AliasFacts>;
  record(use: AliasUse): Promise<void>;
  /** Adds the alias ahead of time (known from now on); a no-op for one that exists. Throws InventoryFull. */
  add(address: string, at: number): Promise<AliasEntry>;
  /** Blocks or unblocks it, creating it when needed (an address can be blocked before it is ever mailed). */
  setBlocked(address: string, blocked: boolean, at: number): Promise<AliasEntry>;
  list(query: AliasQuery): Promise<AliasEntry[]>;
  blockedCount(): Promise<number>;
}

/** The operator's add or block found every place taken by aliases in real use. */
export class InventoryFull extends Error {
  override name = 'InventoryFull';
}
