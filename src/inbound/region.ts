import type { Allowance } from './budget.js';
import { PayloadTooLarge } from './errors.js';

/** The one buffer a request's form values are copied into; values are cut from it once the body is read. */
export interface Region {
  /** The buffer, with room for `bytes` more after the first `used` (which are kept when it grows). */
  room(used: number, bytes: number): Buffer;
}

const FIRST_SIZE = 64 * 1024;

/**
 * With a Content-Length the region is allocated once, at that size: the budget reserved it when the request
 * was admitted, and form values (decoded, or without their multipart framing) are never longer than the body.
 * Without one it starts small and doubles, each size covered by the request's allowance before it is
 * allocated. Readers cut values out only at the end, so a region that grew leaves no older copy alive.
 */
export function bodyRegion(declared: number, maxBytes: number, allowance: Allowance): Region {
  let buffer = Buffer.alloc(0);
  return {
    room(used, bytes) {
      const needed = used + bytes;
      if (needed <= buffer.length) return buffer;
      if (needed > maxBytes) throw new PayloadTooLarge(maxBytes);
      const size = needed <= declared ? declared : Math.min(Math.max(needed, 2 * buffer.length, FIRST_SIZE), maxBytes);
      allowance.cover(size);
      const grown = Buffer.allocUnsafe(size);
      buffer.copy(grown, 0, 0, used);
      buffer = grown;
      return buffer;
    },
  };
}
