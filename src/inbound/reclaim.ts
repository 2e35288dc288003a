type MinorGc = (options: { type: 'minor' }) => void;

// Node hands a request body over in fresh buffers of up to 64 KB. Once a reader has copied one out it is
// garbage, but its memory is freed only when V8 collects the small object that owns it, and a body that
// streams in allocates too few objects to start a collection (V8 waits for 64 MB of such memory). Measured:
// a 25 MB message held its own size again in dead chunks until it had been sent (bench/, "memory").
// A young-generation collection frees them as they pile up, in about 0.2 ms each (measured).
// It needs `node --expose-gc`, which `npm start` and the Docker image pass; without the flag this is a no-op
// (only the peak memory of large messages is higher), never a runtime flag flip behind the operator's back.
const minorGc = (globalThis as { gc?: MinorGc }).gc;

// When: a body declared under LARGE never pays for a collection (notifications, newsletters, a 2 MB attachment):
// its dead chunks cannot add up to more than its own few MiB. A large body (or one of unknown length) is collected
// every STEP from its first byte. What a collection frees goes back to the allocator, which keeps it for the next
// chunks, so the most dead chunks ever held at once is what stays resident. A 25 MB message, peak RSS over idle
// (bench "memory", four runs each): collecting every 4 MiB, 1.26–1.31× its size (Node 22); every MiB, but only
// past the first 4 MiB, still 1.26–1.28×; every MiB from the start, 1.11–1.16×; every 512 KiB from the start,
// 1.09–1.15× on Node 22 and 1.09–1.18× on Node 20. That is about fifty collections, some 10 ms, per 25 MB.
const LARGE = 4 * 1024 * 1024;
const STEP = 512 * 1024;

/** Told the size of each chunk a reader has copied out of the request. */
export type Reclaim = (bytes: number) => void;

/**
 * Counts body bytes as they are copied out, and frees the spent chunks every 512 KiB of a large body.
 * `declared`: the body's Content-Length, NaN when it has none.
 */
export function chunkReclaimer(declared: number, collect: MinorGc | undefined = minorGc): Reclaim {
  if (declared < LARGE || !collect) return () => undefined;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < STEP) return;
    since = 0;
    collect({ type: 'minor' });
  };
}
