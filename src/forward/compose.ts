import type { InboundMessage } from '../inbound/message.js';
import type { Outbound } from './types.js';
import type { DmarcVerdict } from './dmarc.js';
import { rewriteFrom } from './rewrite-from.js';
import { setReplyTo, type ReplyToDecision } from './reply-to.js';
import { oneLine, splitFrom } from '../mail/address.js';

/**
 * The visible sender of a rebuilt (parsed-mode) message. It cannot keep the sender's DKIM, so it
 * goes out From our own domain, with the sender shown in the display name and in Reply-To:
 *   "Bob (bob@example.net) via plus-relay" <relay@destroy.systems>
 */
export function relayFrom(from: string | null, sendingDomain: string): string {
  return `"${relayName(from)}" <relay@${sendingDomain}>`;
}

function relayName(from: string | null): string {
  const { name, address } = splitFrom(from);
  const shown = [name, address && name ? `(${address})` : address].filter(Boolean).join(' ') || 'unknown sender';
  return `${shown.replace(/["\\<>]/g, '').slice(0, 150)} via plus-relay`;
}

/**
 * relayFrom() as raw header bytes must carry it (raw mode writes the header itself; the Messages API encodes parsed
 * mode's): a name with non-ASCII characters as RFC 2047 encoded words, each within the 75-character limit.
 */
export function relayFromHeader(from: string | null, sendingDomain: string): string {
  const name = relayName(from);
  if (/^[\x20-\x7e]*$/.test(name)) return relayFrom(from, sendingDomain);
  const words: string[] = [''];
  for (const char of name) {
    // 45 bytes of UTF-8 are 60 base64 characters, plus 12 of framing.
    if (Buffer.byteLength(words[words.length - 1] + char) > 45) words.push('');
    words[words.length - 1] += char;
  }
  return `${words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(' ')} <relay@${sendingDomain}>`;
}

/**
 * Raw mode under a DMARC verdict to rewrite: the same message with only its header block changed, From ours (the
 * form parsed mode sends), once for every target. Otherwise the message as it came.
 */
export function applyDmarcVerdict(message: InboundMessage, verdict: DmarcVerdict | undefined, sendingDomain: string): InboundMessage {
  if (!message.raw || verdict?.action !== 'rewrite') return message;
  return { ...message, raw: rewriteFrom(message.raw, message.header, relayFromHeader(message.from, sendingDomain)) };
}

/**
 * Raw mode with a reply address: the message with `replyTo` as its only Reply-To, the sender's bytes otherwise kept
 * (`add`), or From rewritten as applyDmarcVerdict() rewrites it (`rewrite`). Parsed mode: unchanged (compose() takes
 * the reply address as its Reply-To).
 */
export function withReplyAddress(message: InboundMessage, decision: ReplyToDecision, replyTo: string, sendingDomain: string): InboundMessage {
  if (!message.raw) return message;
  if (decision.action === 'rewrite') return { ...message, raw: rewriteFrom(message.raw, message.header, relayFromHeader(message.from, sendingDomain), replyTo) };
  return { ...message, raw: setReplyTo(message.raw, message.header, replyTo) };
}

/** `replyTo`: parsed mode's Reply-To instead of the sender (a reply address). */
export function compose(message: InboundMessage, to: string, sendingDomain: string, relayId: string, replyTo?: string): Outbound {
  // Routing matched the recipient case-insensitively; the events that come back name it lower-cased.
  const alias = (message.recipient ?? '').toLowerCase();
  if (message.raw) return { kind: 'mime', to, mime: message.raw, relayId, alias };
  const hasBody = Boolean(message.text || message.html);
  return {
    kind: 'parsed',
    to,
    relayId,
    alias,
    from: relayFrom(message.from, sendingDomain),
    replyTo: replyTo ?? (message.from ? oneLine(message.from) : null),
    subject: oneLine(message.subject),
    // The Messages API needs a text or html part; an empty message still deserves delivery.
    text: hasBody ? message.text : ' ',
    html: message.html,
    attachments: message.attachments,
    inline: message.inline,
  };
}
