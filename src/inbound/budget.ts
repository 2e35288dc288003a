import assert from 'node:assert/strict';
import { InflightFull, RequestAborted } from './errors.js';

/** What a budget needs of a response: to know when the request is over, however it ended. */
export interface Closable {
  readonly closed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

/** One request's share of the body budget. */
export interface Allowance {
  /** Makes sure the request holds at least `bytes` of the budget: throws InflightFull (503) when it cannot. */
  cover(bytes: number): void;
}

export interface BodyBudget {
  /** Bytes reserved right now, across every request. */
  held(): number;
  /**
   * Opens a request's allowance with `bytes` (its declared length) reserved at once, or throws InflightFull
   * before a byte of the body is read. Everything the request holds is returned when `response` closes:
   * answered, failed, aborted by the client or timed out by the server.
   */
  open(bytes: number, response: Closable): Allowance;
}

/**
 * The request body bytes held at once across all requests (MAX_INFLIGHT_BYTES). Without it, a few unsigned
 * clients that declare large bodies, send most of them and stall hold all the machine's memory: the
 * signature can only be checked once a body has arrived. Readers allocate only what their allowance covers.
 */
export function createBodyBudget(maxBytes: number): BodyBudget {
  assert.ok(Number.isSafeInteger(maxBytes) && maxBytes > 0, 'the body budget must be a positive number of bytes');
  let held = 0;
  const take = (bytes: number): void => {
    if (held + bytes > maxBytes) throw new InflightFull(maxBytes);
    held += bytes;
  };
  return {
    held: () => held,
    open(bytes, response) {
      // Already closed: 'close' will not fire again, so nothing may be taken.
      if (response.closed) throw new RequestAborted();
      take(bytes);
      let mine = bytes;
      let open = true;
      response.once('close', () => {
        held -= mine;
        mine = 0;
        open = false;
      });
      return {
        cover(wanted) {
          if (!open) throw new RequestAborted();
          if (wanted <= mine) return;
          take(wanted - mine);
          mine = wanted;
        },
      };
    },
  };
}
