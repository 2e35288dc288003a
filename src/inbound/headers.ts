/** A message's header fields, in order, duplicates kept (several `Received`, for one). */
export type HeaderList = Array<[name: string, value: string]>;

// A header section larger than this is not mail we want to read further into.
const MAX_HEADER_BYTES = 256 * 1024;

/**
 * Reads the header section of a raw RFC 5322 message: up to the first empty line, CRLF or LF
 * (captures differ), folded lines joined. Bytes are read as latin1 so nothing is replaced.
 */
export function parseHeaderBlock(raw: Buffer): HeaderList {
  const head = raw.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const block = end === -1 ? head : head.slice(0, end);
  const headers: HeaderList = [];
  for (const line of block.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last[1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return headers;
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
  const headers: HeaderList = [];
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
