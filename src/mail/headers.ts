/** A message's header fields, in order, duplicates kept (several `Received`, for one). */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * The largest header section a raw message may have (its empty line included). Real ones are tens of KiB; every
 * header-wide step (loop and spam marks, DKIM, the From rewrite) reads the whole section, so its size bounds what
 * they cost. A larger one is refused (headerBlockEnd() says so), never read as a cut: a From or a loop mark past
 * the cut would go unseen.
 */
export const MAX_HEADER_BYTES = 256 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Where the header section of a raw message ends: just after its empty line (CRLF or LF), or the message's length
 * when it has no body. null when the section is over MAX_HEADER_BYTES. Reads at most MAX_HEADER_BYTES + 2 bytes,
 * whatever the message's size.
 */
export function headerBlockEnd(raw: Buffer): number | null {
  const window = raw.subarray(0, MAX_HEADER_BYTES + 2);
  for (let lf = window.indexOf(LF); lf !== -1; lf = window.indexOf(LF, lf + 1)) {
    const next = lf + 1;
    if (window[next] === LF) return next + 1 <= MAX_HEADER_BYTES ? next + 1 : null;
    if (window[next] === CR && window[next + 1] === LF) return next + 2 <= MAX_HEADER_BYTES ? next + 2 : null;
  }
  return raw.length <= MAX_HEADER_BYTES ? raw.length : null;
}

/**
 * Mailgun's `message-headers` field: a JSON list of [name, value] pairs. Anything else in it
 * (broken JSON, non-string values, wrong shapes) is skipped rather than failing the message.
 */
export function parseMessageHeaders(json: string | null): HeaderList {
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const headers: Array<[string, string]> = [];
  for (const pair of parsed) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && pair.length >= 2) {
      const value: unknown = pair[1];
      headers.push([pair[0], typeof value === 'string' ? value : JSON.stringify(value) ?? '']);
    }
  }
  return headers;
}

export function headerValues(headers: HeaderList, name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
}
