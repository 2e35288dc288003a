import type { Readable } from 'node:stream';
import { addField, emptyForm, type RawForm } from './form.js';
import { isRelayError, PayloadTooLarge, RequestAborted, TooManyParts } from './errors.js';
import { chunkReclaimer } from './reclaim.js';
import type { Region } from './region.js';

export interface UrlencodedLimits {
  maxBytes: number;
  maxFields: number;
}

const PLUS = 0x2b;
const PERCENT = 0x25;
const AMP = 0x26;
const EQUALS = 0x3d;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Decodes `application/x-www-form-urlencoded` straight from the request stream into the request's region,
 * byte for byte. Values are views into it, cut once the body has been read, so a 25 MB raw message costs
 * about its own size once, not the three copies of buffer → string → parsed string (and the spent request
 * chunks are freed as they go: see reclaim.ts).
 */
export async function readUrlencoded(stream: Readable, limits: UrlencodedLimits, region: Region): Promise<RawForm> {
  let out = region.room(0, 0);
  let len = 0;
  let received = 0;
  const spans: number[] = []; // per field: keyStart, keyEnd (= valueStart: '=' is not stored), valueEnd
  let keyStart = 0;
  let keyEnd = -1;
  let pct = 0; // raw bytes held back: 0 plain, 1 after '%', 2 after '%' and one hex digit
  let hi = 0;
  const reclaim = chunkReclaimer();

  const endField = (): void => {
    if (len === keyStart && keyEnd === -1) return; // empty segment, e.g. "a=1&&b=2"
    if (spans.length / 3 >= limits.maxFields) throw new TooManyParts('fields');
    if (keyEnd === -1) keyEnd = len; // "flag" without '=' is a field with an empty value
    spans.push(keyStart, keyEnd, len);
    keyStart = len;
    keyEnd = -1;
  };
  const flushEscape = (): void => {
    out[len++] = PERCENT;
    if (pct === 2) out[len++] = hi < 10 ? 0x30 + hi : 0x57 + hi;
    pct = 0;
  };

  try {
    // Not `for await (… of stream)`: leaving that loop early destroys the request and detaches it from a
    // socket that then nobody reads (its client gone unnoticed, its budget held until the request timeout).
    for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
      // Decoding never grows the data: the bytes held back plus this chunk are all it can write.
      out = region.room(len, pct + chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i] as number;
        if (pct === 1) {
          const h = hexValue(b);
          if (h >= 0) { hi = h; pct = 2; continue; }
          flushEscape();
        } else if (pct === 2) {
          const h = hexValue(b);
          if (h >= 0) { out[len++] = hi * 16 + h; pct = 0; continue; }
          flushEscape();
        }
        if (b === PERCENT) pct = 1;
        else if (b === AMP) endField();
        else if (b === EQUALS && keyEnd === -1) keyEnd = len;
        else out[len++] = b === PLUS ? 0x20 : b;
      }
      reclaim(chunk.length);
    }
  } catch (err) {
    if (isRelayError(err)) throw err;
    // The stream itself failed: the client hung up, or the server timed the request out.
    throw new RequestAborted();
  }
  if (pct > 0) {
    out = region.room(len, pct);
    flushEscape();
  }
  endField();

  const form = emptyForm();
  for (let i = 0; i < spans.length; i += 3) {
    const [ks, ke, ve] = spans.slice(i, i + 3) as [number, number, number];
    addField(form, out.toString('utf8', ks, ke), out.subarray(ke, ve));
  }
  return form;
}
