type MinorGc = (options: { type: 'minor' }) => void;

// Node hands a request body over in fresh buffers of up to 64 KB. Once a reader has copied one out it is
// garbage, but its memory is freed only when V8 collects the small object that owns it, and a body that
// streams in allocates too few objects to start a collection (V8 waits for 64 MB of such memory). Measured:
// a 25 MB message held its own size again in dead chunks until it had been sent (bench/, "memory").
// A young-generation collection every few MiB frees them as they pile up, in about a millisecond each.
// It needs `node --expose-gc`, which `npm start` and the Docker image pass; without the flag this is a no-op
// (only the peak memory of large messages is higher), never a runtime flag flip behind the operator's back.
const minorGc = (globalThis as { gc?: MinorGc }).gc;

const STEP = 4 * 1024 * 1024;

/** Counts body bytes as they are copied out, and frees the spent chunks every 4 MiB. Small bodies never pay. */
export function chunkReclaimer(): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < STEP) return;
    since = 0;
    minorGc?.({ type: 'minor' });
  };
}
