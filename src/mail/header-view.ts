import { channel } from 'node:diagnostics_channel';
import { headerBlockEnd, parseMessageHeaders, type HeaderList } from './headers.js';
import { authorAddresses } from './address.js';

/** The header every forward carries (value: RELAY_ID), so a message that loops back is recognised. */
export const RELAY_HEADER = 'X-Plus-Relay';

/** One field of a raw header section as bytes: `start` to `end` of the message, continuation lines and terminator included. */
export interface FieldSpan {
  /** Lower-cased; '' for a line that is no field, such as the empty line that ends the section. */
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * A message's header section, read once where the message enters: every later step (loop guard, policy facts,
 * message key, DMARC check, From rewrite) reads this view, never the bytes again. It describes the message as it
 * came, also after a From rewrite.
 */
export interface HeaderView {
  /** The fields in order, folded lines joined, duplicates kept (several `Received`, for one). */
  readonly fields: HeaderList;
  /** Raw mode: the section cut into fields; joined, the spans are the section byte for byte. [] in parsed mode. */
  readonly spans: readonly FieldSpan[];
  /** Raw mode: where the header section ends (just after its empty line). null in parsed mode. */
  readonly end: number | null;
  /** The first From field's value. */
  readonly from: string | null;
  /** Every author address of every From field, lower-cased, in order (mail/address.ts). */
  readonly authors: readonly string[];
  /** The first Message-Id, trimmed; '' without one. */
  readonly messageId: string;
  /** Mailgun's spam marking: any X-Mailgun-Sflag: Yes, and the highest X-Mailgun-Sscore (null without one). */
  readonly spam: { readonly flag: boolean; readonly score: number | null };
  /** How many Received fields, and the X-Plus-Relay values (trimmed, lower-cased): the loop guard's marks. */
  readonly loop: { readonly received: number; readonly relayMarks: readonly string[] };
}

/**
 * Every header section read is announced here, with the bytes or fields it read: what lets a test (or an operator's
 * diagnostics) count that each message is read exactly once. Nothing is built when nobody listens.
 */
export const headerReads = channel('plus-relay.header.read');

const LOOP_MARK = RELAY_HEADER.toLowerCase();

/**
 * Reads a raw RFC 5322 message's header section: up to the first empty line, CRLF or LF (captures differ). Bytes are
 * read as latin1 so nothing is replaced. null when the section is over MAX_HEADER_BYTES (the inbound side refuses
 * such a message): then nothing past headerBlockEnd()'s bounded scan was read.
 */
export function readRawHeader(raw: Buffer): HeaderView | null {
  const end = headerBlockEnd(raw);
  if (end === null) return null;
  const head = raw.toString('latin1', 0, end);
  const spans: Array<{ name: string; start: number; end: number }> = [];
  const fields: Array<[string, string]> = [];
  for (let start = 0; start < head.length; ) {
    const lf = head.indexOf('\n', start);
    const stop = lf === -1 ? head.length : lf + 1;
    const line = head.slice(start, lf === -1 ? stop : head.charCodeAt(lf - 1) === 0x0d && lf > start ? lf - 1 : lf);
    const folded = line.startsWith(' ') || line.startsWith('\t');
    const colon = line.indexOf(':');
    const span = spans[spans.length - 1];
    if (folded && span) span.end = stop;
    else spans.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '', start, end: stop });
    // A continuation joins the last field (a line that is no field is skipped, its continuations with the field before).
    const field = fields[fields.length - 1];
    if (folded && field) field[1] += ' ' + line.trim();
    else if (colon > 0) fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    start = stop;
  }
  return view(fields, spans, end, raw);
}

/** Parsed mode's view: Mailgun's `message-headers` JSON, read by parseMessageHeaders(). */
export function readMessageHeaders(json: string | null): HeaderView {
  return headerViewOf(parseMessageHeaders(json));
}

/** The view of fields already read (parsed mode's, or a message the CLI describes). */
export function headerViewOf(fields: HeaderList): HeaderView {
  return view(fields, [], null, fields);
}

function view(fields: HeaderList, spans: readonly FieldSpan[], end: number | null, read: Buffer | HeaderList): HeaderView {
  if (headerReads.hasSubscribers) headerReads.publish(read);
  let from: string | null = null;
  const froms: Array<[string, string]> = [];
  let messageId: string | null = null;
  let flag = false;
  let score: number | null = null;
  let received = 0;
  const relayMarks: string[] = [];
  for (const [name, value] of fields) {
    switch (name.toLowerCase()) {
      case 'from':
        from ??= value;
        froms.push([name, value]);
        break;
      case 'message-id':
        messageId ??= value.trim();
        break;
      // Mailgun adds its spam fields at the top; a sender can add look-alikes further down. Any `Yes` and the highest
      // score count, so a forged `No` or a low score never hides Mailgun's verdict.
      case 'x-mailgun-sflag':
        flag ||= value.trim().toLowerCase() === 'yes';
        break;
      case 'x-mailgun-sscore': {
        const n = Number.parseFloat(value.trim());
        if (Number.isFinite(n)) score = score === null ? n : Math.max(score, n);
        break;
      }
      case 'received':
        received += 1;
        break;
      case LOOP_MARK:
        relayMarks.push(value.trim().toLowerCase());
        break;
    }
  }
  return Object.freeze({
    fields,
    spans,
    end,
    from,
    authors: authorAddresses(froms),
    messageId: messageId ?? '',
    spam: Object.freeze({ flag, score }),
    loop: Object.freeze({ received, relayMarks }),
  });
}

/** The message's own line ending, its first line's (CRLF when it has none): the lines the relay adds use it. */
export function lineEnding(raw: Buffer, header: Pick<HeaderView, 'spans'>): '\r\n' | '\n' {
  const first = header.spans[0];
  return !first || (raw[first.end - 2] === 0x0d && raw[first.end - 1] === 0x0a) ? '\r\n' : '\n';
}

/** Whether a field ends with a line terminator (the last line of a message without a body may have none). */
export function terminated(raw: Buffer, span: FieldSpan): boolean {
  return raw[span.end - 1] === 0x0a;
}
