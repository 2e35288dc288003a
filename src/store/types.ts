/**
 * The relay's durable state, behind one small interface per concern: the ledger that makes delivery
 * exactly-once, the failure log that remembers which forwards bounced, and the inventory of aliases
 * (inventory.ts). SQLite (one instance, the default) and Redis (several instances) implement every part, so
 * the relay behaves the same on either.
 */
import type { BounceWatch } from './bounce-watch.js';
import type { Inventory } from './inventory.js';
import type { FloodCounters } from './flood.js';
import type { ReplyAddresses } from './reply-addresses.js';

export type { BounceWatch, Inventory, FloodCounters, ReplyAddresses };
export type ClaimResult = 'claimed' | 'used' | 'busy';

/**
 * A signed delivery's claims, taken in one write: its token, and (only once the token is ours) each of its
 * (message, target) pairs. `pairs` is empty unless the token was claimed: a replay or a copy in flight touches no pair.
 */
export interface DeliveryClaims {
  token: ClaimResult;
  pairs: ClaimResult[];
}

/**
 * The namespaces of the ledger. `token`: a Mailgun signature token, in flight or used (a replay of a
 * used one is answered without sending). `delivery`: one (message, target) send. `event`: the token of
 * an event webhook post (a replayed event is counted once). `unsuppress`: a rule target whose bounce
 * was looked up and handled (at most once per target an hour). `digest`: one user's daily digest to one target
 * on one local date (digest/run.ts). `resend`: a failure whose stored message was sent again (once per failure,
 * whoever asks: the page, the CLI, another instance).
 */
export type LedgerSpace = 'token' | 'delivery' | 'event' | 'unsuppress' | 'digest' | 'resend';

/** The endpoints a Mailgun signature block is good for: a route post (`inbound`) or an event webhook (`events`). */
export type SignedEndpoint = 'inbound' | 'events';

/**
 * Claim, complete, release: one ledger for every "do this once" in the relay. A key is claimed by one
 * owner (a request id) for `ttlMs`, so a holder that dies frees it; `complete` remembers the key as
 * done for its own ttl, whoever held it; `release` frees a claim, and only its owner's.
 */
export interface Ledger {
  /** 'claimed': it is ours now. 'used': completed earlier. 'busy': another owner holds it right now. */
  claim(space: LedgerSpace, key: string, owner: string, ttlMs: number): Promise<ClaimResult>;
  complete(space: LedgerSpace, key: string, ttlMs: number): Promise<void>;
  release(space: LedgerSpace, key: string, owner: string): Promise<void>;
  /**
   * The token's claim (space `token`) and, when it is 'claimed', the pairs' claims (space `delivery`), in that order
   * and as one write: one group commit on SQLite, one script on Redis. Each claim answers as `claim` would.
   */
  claimDelivery(token: string, pairs: readonly string[], owner: string, ttlMs: number): Promise<DeliveryClaims>;
  /**
   * Binds a signature token to the endpoint that used it first, for `ttlMs`: true when the token is (now) that
   * endpoint's. Each endpoint keeps its own retry semantics in its own space (a route post retried with its original
   * block is answered again); the binding only makes a block taken from one endpoint worthless on the other. Never
   * released: a block is single-use across endpoints for as long as its signature can verify.
   */
  bind(token: string, endpoint: SignedEndpoint, ttlMs: number): Promise<boolean>;
}

export type FailureSeverity = 'permanent' | 'temporary';

/** One failed forward, as Mailgun reported it in a `failed` event. */
export interface Failure {
  /** The address on the relay's domain the forward was sent for (lower-cased). */
  alias: string;
  /** The rule target the forward went to (the event's `recipient`). */
  target: string;
  severity: FailureSeverity;
  /** Mailgun's `reason`: `bounce`, `suppress-bounce`, `generic`, `old`, … */
  reason: string;
  /** `delivery-status.code`: an SMTP code (550), or Mailgun's own (605 for a suppressed address). */
  code: number | null;
  /** `delivery-status.message` (or its description), cut to a bounded length. */
  message: string;
  /** When the relay recorded it, epoch ms. */
  at: number;
  /**
   * The event's `storage.url`: where Mailgun keeps the message (about 3 days), for a resend. Null when the
   * event had none, and for failures recorded before the relay kept it.
   */
  storageUrl: string | null;
}

/** Every failure of one (alias, target) pair: how many, the last one, and when that one was resent. */
export interface FailureEntry {
  count: number;
  last: Failure;
  /** When the last failure's message was sent again (resend), epoch ms; null until then. */
  resentAt: number | null;
}

/** What the alias inventory shows for one alias: its failed forwards and the last failure (any target). */
export interface AliasFailures {
  failed: number;
  last: Failure;
  resentAt: number | null;
}

/**
 * Failed forwards per (alias, target), beside the ledger. Bounded twice, because anyone who can get mail
 * bounced (a sender writing to random aliases while a target's mailbox is full) chooses how many pairs
 * fail: a pair is forgotten `retentionMs` after its last failure, and beyond `maxPairs` the pairs that
 * failed longest ago are dropped first.
 */
export interface FailureLog {
  record(failure: Failure): Promise<void>;
  /** Per alias (lower-cased, as recorded) that has failures; aliases without any are absent. */
  summary(aliases: readonly string[]): Promise<Map<string, AliasFailures>>;
  /** The pairs that failed most recently, newest first. */
  recent(limit: number): Promise<FailureEntry[]>;
  /**
   * Notes that `failure` (its pair's last one, recorded at `failure.at`) was sent again at `resentAt`. Nothing
   * changes when the pair has failed again since (a newer failure is a new one to resend) or was forgotten.
   */
  markResent(failure: Pick<Failure, 'alias' | 'target' | 'at'>, resentAt: number): Promise<void>;
}

export interface StoreHealth {
  ok: boolean;
  /** For the log and the operator; may carry backend error text, so it is never sent to clients. */
  detail: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  readonly ledger: Ledger;
  readonly failures: FailureLog;
  readonly inventory: Inventory;
  /** Targets whose bounce the relay had to remove more than once a day (bounce-watch.ts). */
  readonly bounces: BounceWatch;
  /** The flood guard's counters (store/flood.ts). */
  readonly flood: FloodCounters;
  /** Reply addresses by (alias, contact) pair (reply-addresses.ts). */
  readonly replies: ReplyAddresses;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Raised by a store that cannot answer (Redis down, disk failing): the delivery answers 503 and sends nothing. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
