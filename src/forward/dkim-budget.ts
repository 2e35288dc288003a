import { Readable } from 'node:stream';

/** The verification was stopped: it had cost its whole budget. */
export class OverBudget extends Error {
  readonly code = 'EOVERBUDGET';
  constructor(readonly spentMs: number) {
    super(`DKIM verification stopped after ${Math.round(spentMs)} ms of CPU`);
  }
}

// Small enough that one slice never holds the event loop for long (about 1 ms for LF-only text, the slowest kind).
const SLICE_BYTES = 64 * 1024;

/**
 * The DKIM verifier's input: `head`, then `body` in slices, one per turn of the event loop, each timed. The verifier
 * works on a slice synchronously (its hashing has no I/O) before it asks for the next, so the CPU time from handing
 * a slice over to that request is what the slice cost (CPU, not wall time: on a busy machine the wall clock also
 * counts the time other processes had the core). Once the slices together cost more than `budgetMs`, the input
 * fails with OverBudget: hashing a 25 MB body twice costs several hundred ms, time the relay's other requests would
 * wait for. The body is never copied whole: a slice is a view of it, or a copy of that slice with CRLF line endings.
 */
export function budgetedInput(head: Buffer, body: Buffer, budgetMs: number): Readable {
  let offset = -1; // -1: the head is next
  let spent = 0;
  let handedAt: NodeJS.CpuUsage | null = null;
  const lines = lineEndings(head);
  return new Readable({
    highWaterMark: 0,
    read() {
      if (handedAt !== null) spent += cpuMs(handedAt);
      handedAt = null;
      if (spent > budgetMs) {
        this.destroy(new OverBudget(spent));
        return;
      }
      setImmediate(() => {
        if (this.destroyed) return;
        handedAt = process.cpuUsage();
        if (offset < 0) {
          offset = 0;
          this.push(head);
          return;
        }
        const slice = offset < body.length ? body.subarray(offset, offset + SLICE_BYTES) : null;
        offset += SLICE_BYTES;
        this.push(slice && lines.crlf(slice));
      });
    },
  });
}

/** CPU milliseconds the process used since `since`: for synchronous work, what that work cost. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Bare LFs made CRLF, slice by slice, exactly as mailauth's verifier would (an LF after CR, or after an LF that
 * follows CR, stays): it does so line by line, a chunk and two hash updates per line, 2–10× slower than this.
 * A slice without a bare LF is passed on as it is.
 */
function lineEndings(head: Buffer): { crlf(slice: Buffer): Buffer } {
  // The verifier reads the head first: where it left off decides the body's first line ending.
  let lastNonLf = -1;
  for (let i = head.length - 1; i >= 0 && lastNonLf === -1; i--) if (head[i] !== LF) lastNonLf = head[i] as number;
  return {
    crlf(slice) {
      const bare: number[] = [];
      let previousLf = -2;
      for (let lf = slice.indexOf(LF); lf !== -1; lf = slice.indexOf(LF, lf + 1)) {
        if (lf !== previousLf + 1) lastNonLf = lf > 0 ? (slice[lf - 1] as number) : lastNonLf;
        if (lastNonLf !== CR) bare.push(lf);
        previousLf = lf;
      }
      const tail = slice[slice.length - 1];
      if (tail !== undefined && tail !== LF) lastNonLf = tail;
      if (bare.length === 0) return slice;
      const out = Buffer.allocUnsafe(slice.length + bare.length);
      let from = 0;
      let to = 0;
      for (const lf of bare) {
        to += slice.copy(out, to, from, lf);
        out[to++] = CR;
        from = lf;
      }
      slice.copy(out, to, from);
      return out;
    },
  };
}
