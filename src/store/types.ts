/**
 * The relay's durable state, behind one small interface per concern: the ledger that makes delivery
 * exactly-once, and the inventory of aliases (inventory.ts). SQLite (one instance, the default) and
 * Redis (several instances) implement every part, so the relay behaves the same on either.
 */
import type { Inventory } from './inventory.js';

export type { Inventory };
export type ClaimResult = 'claimed' | 'used' | 'busy';

/**
 * The namespaces of the ledger. `token`: a Mailgun signature token, in flight or used (a replay of a
 * used one is answered without sending). `delivery`: one (message, target) send.
 */
export type LedgerSpace = 'token' | 'delivery';

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
}

export interface StoreHealth {
  ok: boolean;
  /** For the log and the operator; may carry backend error text, so it is never sent to clients. */
  detail: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  readonly ledger: Ledger;
  readonly inventory: Inventory;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Raised by a store that cannot answer (Redis down, disk failing): the delivery answers 503 and sends nothing. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
