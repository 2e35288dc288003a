/**
 * The state that makes delivery exactly-once: which signature tokens are in flight or used,
 * and which (message, target) pairs were already forwarded. Memory for one instance, Redis
 * when several instances must behave as one.
 */
export type ClaimResult = 'claimed' | 'used' | 'busy';

export interface Store {
  readonly kind: 'memory' | 'redis';
  /** Claims a token for one delivery attempt; `owner` identifies the claim so only it can release it. */
  claimToken(token: string, owner: string, ttlMs: number): Promise<ClaimResult>;
  /** The delivery finished (forwarded or refused for good): a replay of the token is answered 200. */
  completeToken(token: string, ttlMs: number): Promise<void>;
  /** The delivery failed transiently: Mailgun's retry with the same token must go through. */
  releaseToken(token: string, owner: string): Promise<void>;
  /**
   * Claims one (message, target) send: 'used' when it was forwarded already, 'busy' while another
   * delivery of the same message (under another token, maybe on another instance) is sending it.
   */
  claimDelivery(key: string, owner: string, ttlMs: number): Promise<ClaimResult>;
  /** The target has the message: remembered for `ttlMs`. */
  markDelivered(key: string, ttlMs: number): Promise<void>;
  /** The send failed: another attempt may claim it. */
  releaseDelivery(key: string, owner: string): Promise<void>;
  health(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

/** Raised by a store that cannot answer (Redis down): the delivery answers 503 and sends nothing. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
