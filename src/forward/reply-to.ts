import { domainToASCII } from 'node:url';
import { headerValues } from '../mail/headers.js';
import { lineEnding, type HeaderView } from '../mail/header-view.js';
import { addressesIn, domainOf } from '../mail/address.js';
import { alignedSignsReplyTo } from './dkim-signatures.js';
import type { DmarcVerdict } from './dmarc.js';

/**
 * How a forward carries its reply address, and why: logged with the delivery and counted.
 * `add`: the sender's DKIM does not sign Reply-To, so one more header (and the original Reply-To gone) leaves it
 * valid: the bytes keep the sender's signature. `rewrite`: the signature signs it (or From is rewritten for DMARC
 * anyway): From becomes the relay's, as the DMARC-aware path rewrites it. `parsed`: parsed mode sends a rebuilt
 * message whose Reply-To is the reply address.
 */
export interface ReplyToDecision {
  action: 'add' | 'rewrite' | 'parsed';
  reason:
    | 'not-signed' // an aligned signature exists and does not sign Reply-To
    | 'no-aligned-dkim' // no signature aligned with From: nothing DMARC reads can break
    | 'signed' // an aligned signature signs Reply-To (a Reply-To it covers, or over-signed)
    | 'dmarc-rewrite' // From is rewritten for DMARC whatever Reply-To does
    | 'parsed-mode';
}

/** The add-or-rewrite decision for a raw message (pure: the DMARC verdict is already taken). */
export function replyToDecision(raw: Buffer, header: Pick<HeaderView, 'spans' | 'authors'>, dmarc: DmarcVerdict | undefined): ReplyToDecision {
  if (dmarc?.action === 'rewrite') return { action: 'rewrite', reason: 'dmarc-rewrite' };
  const { authors } = header;
  const domain = authors.length === 1 ? domainToASCII(domainOf(authors[0] ?? '') ?? '') : '';
  // No single author means the DMARC check rewrote already; a check that was not made leaves nothing to align with.
  if (!domain) return { action: 'add', reason: 'no-aligned-dkim' };
  if (alignedSignsReplyTo(raw, header, domain)) return { action: 'rewrite', reason: 'signed' };
  return header.spans.some((f) => f.name === 'dkim-signature') ? { action: 'add', reason: 'not-signed' } : { action: 'add', reason: 'no-aligned-dkim' };
}

/**
 * Who a reply should reach: the address the original Reply-To names (a list, GitHub's reply+…@ address), else the
 * single author. Null when neither names exactly one address to reply to.
 */
export function replyContact(header: Pick<HeaderView, 'fields' | 'authors'>): string | null {
  const replyTo = headerValues(header.fields, 'reply-to').flatMap(addressesIn);
  if (replyTo.length > 0) return replyTo[0] ?? null;
  const { authors } = header;
  return authors.length === 1 ? (authors[0] ?? null) : null;
}

/**
 * The message with exactly one Reply-To, `replyTo` (one line of ASCII): every original Reply-To field removed, the
 * new one first in the header block. Every other byte is copied as it was, so an unsigned Reply-To costs the
 * sender's signature nothing.
 */
export function setReplyTo(raw: Buffer, header: Pick<HeaderView, 'spans' | 'end'>, replyTo: string): Buffer {
  if (!/^[\x20-\x7e]+$/.test(replyTo)) throw new TypeError('setReplyTo: the Reply-To must be one line of printable ASCII');
  const out: Buffer[] = [Buffer.from(`Reply-To: ${replyTo}${lineEnding(raw, header)}`, 'latin1')];
  for (const span of header.spans) if (span.name !== 'reply-to') out.push(raw.subarray(span.start, span.end));
  out.push(raw.subarray(header.end ?? raw.length));
  return Buffer.concat(out);
}
