/**
 * The alias inventory: per address on our domains (lower-cased), when it was first and last mailed, how
 * many messages were forwarded and refused, whether it is blocked, and which sender domains (registrable
 * domains, eTLD+1) wrote to it. SQLite and Redis implement it (store/<backend>/inventory.ts), and one
 * contract test suite runs against both.
 *
 * Anyone can mail random@your-domain, so the inventory is bounded by construction (INVENTORY_LIMITS), in
 * four parts that never take each other's places (the fourth, the alias API's, is ApiAliases below):
 * - operator entries: aliases added or blocked through the (authenticated) admin API, at most
 *   `maxOperatorAliases`. They never expire and nothing a sender does removes them, so a block or an add
 *   always succeeds until the operator alone has made that many (then InventoryFull, 409);
 * - imported entries: aliases the operator brought from another service in one batch (imported with the CLI), at most
 *   `maxImportedAliases`. Known from the start, never expiring, never giving way, like operator entries, but
 *   apart from them, so that importing a few thousand leaves the operator's room for `add` and `block` whole;
 * - learned entries: every other alias, recorded because mail to it arrived; at most `maxLearnedAliases`.
 *   When full, a new alias whose mail was forwarded takes the place of a learned alias, least recently mailed
 *   first, in this order: one that only ever received refused mail, then one that received a single message,
 *   then any other, except a kept one: an alias that had `KEPT_AFTER` or more messages forwarded from an
 *   authenticated sender (aligned DKIM pass) never gives way to a stranger's new alias. When only kept ones are
 *   left, and for a new alias that was only refused, the new alias is not recorded. A dictionary flood with
 *   `new_aliases: accept` therefore recycles its own places and a new alias still gets recorded, learns, and
 *   gets its leak signal, while the aliases the owner's real correspondents use keep their senders and dates;
 * - a learned alias is forgotten when unmailed: `transientTtlMs` after its last message if it only ever
 *   received refused mail (a dictionary attack on a closed catch-all), `learnedTtlMs` otherwise (long
 *   enough for a service that writes once a year);
 * - at most `maxSendersPerAlias` sender domains per alias. Later domains are not stored, only counted in
 *   the alias's totals, and each of their messages is a new sender again (the leak signal keeps firing);
 * - every stored string is bounded: addresses by RFC 5321 (≤ 318), domains by DNS (≤ 253), an operator's
 *   description by DESCRIPTION_MAX_CHARS (checked by the admin API).
 * Worst case: (10,000 + 2,000 + 5,000) aliases × 32 sender rows of under 100 bytes, plus 2,000 descriptions of
 * at most 800 bytes, about 55 MB, whatever a sender does.
 */
export const INVENTORY_LIMITS = {
  maxLearnedAliases: 10_000,
  maxOperatorAliases: 2_000,
  maxImportedAliases: 5_000,
  maxSendersPerAlias: 32,
  transientTtlMs: 14 * 24 * 3600 * 1000,
  learnedTtlMs: 400 * 24 * 3600 * 1000,
} as const;

/** Every alias the inventory can hold at once, every part: the most a listing can ever return. */
export const MAX_INVENTORY_ALIASES = INVENTORY_LIMITS.maxLearnedAliases + INVENTORY_LIMITS.maxOperatorAliases + INVENTORY_LIMITS.maxImportedAliases;

/**
 * Forwards from an authenticated sender after which a learned alias is kept: more than once, because one message
 * is what a stranger's flood sends to each of its random aliases, and an attacker who signs its own mail pays
 * for every kept place it takes with two messages that are forwarded to the owner (and counted by the flood guard).
 */
export const KEPT_AFTER = 2;

/** The longest description the operator may give an alias (characters). */
export const DESCRIPTION_MAX_CHARS = 200;

export type InventoryLimits = { readonly [K in keyof typeof INVENTORY_LIMITS]: number };

/** What the policy needs to know about an alias before it decides (read before the message is recorded). */
export interface AliasFacts {
  /** Added ahead of time, or mail to it was forwarded before: `new_aliases: reject` lets it through. */
  known: boolean;
  blocked: boolean;
  /**
   * Epoch ms of its first message; null when it never received one (unknown, or only added). For an imported alias,
   * when it was imported, unless a message came before: it was in use before it came, so its learning period runs
   * from then, not from whenever its next message arrives (leak learning never takes it for a first-seen alias).
   */
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
  /** Forwarded, and its From domain authenticated it (an aligned DKIM signature verified); absent: false. */
  authenticated?: boolean;
}

/** What importing one batch did: aliases now imported, and those given that the operator had already added or blocked. */
export interface ImportResult {
  imported: number;
  alreadyOperator: number;
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
  /** The operator's note, given with `add`; absent when none was given. */
  description?: string;
  /** The user whose alias-API token made it (claimApiAlias); absent for every other alias. */
  apiUser?: string;
}

/** How full the inventory is: each part against its cap (INVENTORY_LIMITS). */
export interface InventorySize {
  /** Aliases recorded because mail arrived (not added, not blocked): what expires and gives way. */
  learned: number;
  learnedMax: number;
  /** Aliases added or blocked by the operator: never expire, never give way. */
  operator: number;
  operatorMax: number;
  /** Aliases imported in a batch (with the CLI): never expire, never give way, not counted in `operator`. */
  imported: number;
  importedMax: number;
  /** Of the operator's: how many were added; and how many aliases are blocked, the alias API's included. */
  added: number;
  blocked: number;
}

export interface AliasQuery {
  /** Only this (lower-cased) address. */
  address?: string;
  /** Most recent first (by last message, else by when it was added); at most this many. */
  limit: number;
  /** Skip this many of that order first (a page of the listing); 0 when absent. */
  offset?: number;
}

/**
 * What claiming a name for the alias API did. `claimed`: the address was free in the whole inventory (no learned,
 * added, blocked or API entry, on any instance) and is now the user's. `taken`: it is someone's or something's
 * already. `full`: the user holds `maxPerUser` API aliases.
 */
export type ApiClaim = { outcome: 'claimed'; entry: AliasEntry } | { outcome: 'taken' } | { outcome: 'full' };

/** One page of a user's API aliases, newest first, and how many they hold in all. */
export interface ApiAliasPage {
  entries: AliasEntry[];
  total: number;
}

/** An API alias named by its id (view.ts's aliasId, stored with it) or by its address. */
export type ApiAliasKey = { id: string } | { address: string };

/**
 * The aliases made through the alias API, kept apart from both other parts: never learned (they never expire nor give
 * way), never the operator's (they never take the operator's room: a token cannot lock its owner out of `block`).
 * Each belongs to one user and is found through that user's own index, so no call reads another user's aliases or
 * the rest of the inventory.
 */
export interface ApiAliases {
  /** Makes `address` the user's API alias, atomically across instances: two claims of one name, one wins. */
  claimApiAlias(claim: { address: string; id: string; user: string; at: number; description: string | undefined; maxPerUser: number }): Promise<ApiClaim>;
  listApiAliases(user: string, limit: number, offset: number): Promise<ApiAliasPage>;
  /** Blocks the user's API alias; null (nothing changed) when it is not one of theirs. */
  blockApiAlias(user: string, key: ApiAliasKey, at: number): Promise<AliasEntry | null>;
}

export interface Inventory extends ApiAliases {
  facts(address: string, senderDomain: string | null): Promise<AliasFacts>;
  record(use: AliasUse): Promise<void>;
  /**
   * Adds the alias ahead of time (known from now on; an operator entry); adding it again keeps the first
   * time and replaces the description when one is given. Throws InventoryFull.
   */
  add(address: string, at: number, description?: string): Promise<AliasEntry>;
  /**
   * Blocks or unblocks it, creating it when needed (an address can be blocked before it is ever mailed).
   * Unblocking one that was not added makes it learned again (forgotten if it was never mailed).
   */
  setBlocked(address: string, blocked: boolean, at: number): Promise<AliasEntry>;
  /**
   * Makes every address known at once (an imported entry): all or none, so a batch larger than the room left for
   * imports throws InventoryFull and changes nothing. An address the operator already added or blocked stays as it
   * is; a learned one keeps its first-seen date and its senders.
   */
  importAliases(addresses: readonly string[], at: number): Promise<ImportResult>;
  list(query: AliasQuery): Promise<AliasEntry[]>;
  /**
   * Removes the entry altogether, whatever it is (learned, added, blocked, made through the alias API): its counts,
   * senders and place. False when there was none.
   */
  forget(address: string): Promise<boolean>;
  blockedCount(): Promise<number>;
  size(): Promise<InventorySize>;
}

/** The operator's add or block would exceed `maxOperatorAliases`: only the operator's own entries count. */
export class InventoryFull extends Error {
  override name = 'InventoryFull';
}
