import { headerBlockEnd } from '../mail/headers.js';
import { headerFields } from '../mail/header-fields.js';

/**
 * The message with From made the relay's own (`from`: one line of ASCII, e.g. relayFromHeader()), and nothing else
 * changed that does not have to be: the original From fields are kept as X-Original-From, the first one's value also
 * becomes Reply-To unless the message has one, and every other byte (other headers, their folding and line endings,
 * the body) is copied as it was. New lines use the message's own line ending. `replyTo` (one line of ASCII, a reply
 * address): the only Reply-To instead, every original one removed.
 */
export function rewriteFrom(raw: Buffer, from: string, replyTo?: string): Buffer {
  if (!/^[\x20-\x7e]+$/.test(from)) throw new TypeError('rewriteFrom: the new From must be one line of printable ASCII');
  if (replyTo !== undefined && !/^[\x20-\x7e]+$/.test(replyTo)) throw new TypeError('rewriteFrom: the Reply-To must be one line of printable ASCII');
  // The inbound side refused a section over MAX_HEADER_BYTES: null cannot come from a relayed message.
  const end = headerBlockEnd(raw) ?? raw.length;
  // latin1 maps each byte to one character and back: 8-bit bytes in other headers survive untouched.
  const fields = headerFields(raw.subarray(0, end).toString('latin1'));
  const eol = /\r\n$/.test(fields[0]?.text ?? '\r\n') ? '\r\n' : '\n';
  const hasReplyTo = fields.some((f) => f.name === 'reply-to');
  const out: string[] = replyTo === undefined ? [] : [`Reply-To: ${replyTo}${eol}`];
  let first = true;
  for (const { name, text } of fields) {
    if (name === 'reply-to' && replyTo !== undefined) continue;
    if (name !== 'from') {
      out.push(text);
      continue;
    }
    // From the colon on: the value exactly as it was, folding and line ending included (one is added to a last
    // header line that had none, as the copies are not last).
    const value = /\n$/.test(text) ? text.slice(text.indexOf(':')) : `${text.slice(text.indexOf(':'))}${eol}`;
    if (first) out.push(`From: ${from}${eol}`);
    out.push(`X-Original-From${value}`);
    if (first && !hasReplyTo && replyTo === undefined) out.push(`Reply-To${value}`);
    first = false;
  }
  if (first) out.unshift(`From: ${from}${eol}`);
  return Buffer.concat([Buffer.from(out.join(''), 'latin1'), raw.subarray(end)]);
}
