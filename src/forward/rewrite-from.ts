import { lineEnding, terminated, type HeaderView } from '../mail/header-view.js';

/**
 * The message with From made the relay's own (`from`: one line of ASCII, e.g. relayFromHeader()), and nothing else
 * changed that does not have to be: the original From fields are kept as X-Original-From, the first one's value also
 * becomes Reply-To unless the message has one, and every other byte (other headers, their folding and line endings,
 * the body) is copied as it was. New lines use the message's own line ending. `header`: the view of `raw`'s header
 * section (readRawHeader()). `replyTo` (one line of ASCII, a reply address): the only Reply-To instead, every
 * original one removed.
 */
export function rewriteFrom(raw: Buffer, header: Pick<HeaderView, 'spans' | 'end'>, from: string, replyTo?: string): Buffer {
  if (!/^[\x20-\x7e]+$/.test(from)) throw new TypeError('rewriteFrom: the new From must be one line of printable ASCII');
  if (replyTo !== undefined && !/^[\x20-\x7e]+$/.test(replyTo)) throw new TypeError('rewriteFrom: the Reply-To must be one line of printable ASCII');
  const eol = lineEnding(raw, header);
  const hasReplyTo = header.spans.some((f) => f.name === 'reply-to');
  // Copies of the original bytes, never decoded: 8-bit bytes in other headers survive untouched.
  const out: Buffer[] = [];
  const line = (text: string): void => void out.push(Buffer.from(text, 'latin1'));
  if (replyTo !== undefined) line(`Reply-To: ${replyTo}${eol}`);
  let first = true;
  for (const span of header.spans) {
    if (span.name === 'reply-to' && replyTo !== undefined) continue;
    if (span.name !== 'from') {
      out.push(raw.subarray(span.start, span.end));
      continue;
    }
    // From the colon on: the value exactly as it was, folding and line ending included (one is added to a last
    // header line that had none, as the copies are not last).
    const value = Buffer.concat([raw.subarray(raw.indexOf(':', span.start), span.end), Buffer.from(terminated(raw, span) ? '' : eol)]);
    if (first) line(`From: ${from}${eol}`);
    line('X-Original-From');
    out.push(value);
    if (first && !hasReplyTo && replyTo === undefined) {
      line('Reply-To');
      out.push(value);
    }
    first = false;
  }
  if (first) out.unshift(Buffer.from(`From: ${from}${eol}`, 'latin1'));
  // The inbound side refused a section over MAX_HEADER_BYTES: a relayed message always has an end.
  out.push(raw.subarray(header.end ?? raw.length));
  return Buffer.concat(out);
}
