import type { IncomingMessage } from 'node:http';
import { addField, emptyForm, type RawForm } from './form.js';
import { PayloadTooLarge, TooManyParts } from './errors.js';
import { chunkReclaimer } from './reclaim.js';

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
 * Decodes `application/x-www-form-urlencoded` straight from the request stream into one buffer,
 * byte for byte. Values are views into that buffer, so a 25 MB raw message costs about its own
 * size once, not the three copies of buffer → string → parsed string (and the spent request chunks
 * are freed as they go: see reclaim.ts).
 */
export async function readUrlencoded(stream: IncomingMessage, limits: UrlencodedLimits): Promise<RawForm> {
  const declared = Number(stream.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
  // Decoding never grows the data, so the declared length is always enough room.
  let out = Buffer.allocUnsafe(Number.isFinite(declared) ? declared : 64 * 1024);
  let len = 0;
  let received = 0;
  const spans: number[] = []; // per field: keyStart, keyEnd (= valueStart: '=' is not stored), valueEnd
  let keyStart = 0;
  let keyEnd = -1;
  let pct = 0; // 0: plain, 1: after '%', 2: after '%' and one hex digit
  let hi = 0;
  const reclaim = chunkReclaimer();

  const push = (byte: number): void => {
    if (len === out.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(out.length * 2, 1024), limits.maxBytes));
      out.copy(grown, 0, 0, len);
      out = grown;
    }
    out[len++] = byte;
  };
  const endField = (): void => {
    if (len === keyStart && keyEnd === -1) return; // empty segment, e.g. "a=1&&b=2"
    if (spans.length / 3 >= limits.maxFields) throw new TooManyParts('fields');
    if (keyEnd === -1) keyEnd = len; // "flag" without '=' is a field with an empty value
    spans.push(keyStart, keyEnd, len);
    keyStart = len;
    keyEnd = -1;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (pct === 1) {
        const h = hexValue(b);
        if (h < 0) { push(PERCENT); pct = 0; } else { hi = h; pct = 2; continue; }
      } else if (pct === 2) {
        const h = hexValue(b);
        if (h >= 0) { push(hi * 16 + h); pct = 0; continue; }
        push(PERCENT); push(hi < 10 ? 0x30 + hi : 0x57 + hi); pct = 0;
      }
      if (b === PERCENT) pct = 1;
      else if (b === AMP) endField();
      else if (b === EQUALS && keyEnd === -1) keyEnd = len;
      else push(b === PLUS ? 0x20 : b);
    }
    reclaim(chunk.length);
  }
  if (pct === 1) push(PERCENT);
  if (pct === 2) { push(PERCENT); push(hi < 10 ? 0x30 + hi : 0x57 + hi); }
  endField();

  const form = emptyForm();
  for (let i = 0; i < spans.length; i += 3) {
    const [ks, ke, ve] = spans.slice(i, i + 3) as [number, number, number];
    addField(form, out.toString('utf8', ks, ke), out.subarray(ke, ve));
  }
  return form;
}
