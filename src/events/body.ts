/**
 * How large and how deep an event post may be. The signature sits inside the JSON, so a body must be read
 * and parsed before anyone is known: both limits keep what a stranger can make the relay parse small. A
 * real event is a few KiB and nests 4 or 5 levels (event-data → message → headers, delivery-status, …);
 * `v:` user variables that Mailgun parses as JSON may add a few more.
 */
export const EVENT_BODY_LIMIT = 64 * 1024;
export const EVENT_MAX_DEPTH = 32;

/** An event body as JSON, or why it can never be read (answered 406: Mailgun would only send it again). */
export type EventBody = { ok: true; json: unknown } | { ok: false; reason: string };

/**
 * Does JSON text nest arrays and objects deeper than `max`? One pass over the bytes, no parse and no
 * allocation, stopping at the first level too deep: a 1 MiB `[[[…]]]` costs JSON.parse about 100 ms
 * and half a million arrays, this scan microseconds. Brackets inside strings do not count. Broken JSON
 * is left for the parser to refuse.
 */
export function nestsDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: the next byte is escaped, even a quote
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

/**
 * The body (at most EVENT_BODY_LIMIT bytes, Fastify saw to that), checked for depth, then parsed. JSON.parse
 * makes a `__proto__` key an own property, never a prototype, and the event is read field by field
 * (event.ts): such keys are inert, not refused. The parser's message is not kept: it quotes the body.
 */
export function readEventBody(bytes: Buffer): EventBody {
  if (nestsDeeperThan(bytes, EVENT_MAX_DEPTH)) return { ok: false, reason: `event JSON nested deeper than ${EVENT_MAX_DEPTH} levels` };
  try {
    return { ok: true, json: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return { ok: false, reason: bytes.length === 0 ? 'empty body' : 'not JSON' };
  }
}
