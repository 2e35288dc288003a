import type { InboundMessage } from '../inbound/message.js';
import { parseAddress } from '../rules/address.js';
import { replyLocalPart, type ReplyAddresses, type ReplyPair } from '../store/reply-addresses.js';
import { splitFrom } from '../mail/address.js';
import type { DmarcVerdict } from './dmarc.js';
import { replyContact, replyToDecision, type ReplyToDecision } from './reply-to.js';
import { withReplyAddress } from './compose.js';

/** A forward with its reply address: the message to send, the Reply-To parsed mode sends, and the decision taken. */
export interface CarriedReply {
  message: InboundMessage;
  replyTo: string;
  decision: ReplyToDecision;
}

export interface CarryDeps {
  replies: ReplyAddresses;
  sendingDomain: string;
}

/**
 * The reply address of a pair (alias and contact lower-cased `local@domain`), made on first use. On the alias's own
 * domain: Mailgun routes it to the relay as it routes the alias. `pin`: asked for by the owner, never given way.
 */
export async function replyAddressFor(replies: ReplyAddresses, pair: ReplyPair, pin: boolean): Promise<string> {
  const token = await replies.issue(pair, pin);
  return `${replyLocalPart(token)}@${pair.alias.slice(pair.alias.lastIndexOf('@') + 1)}`;
}

/**
 * The reply address of (alias, contact) — made on first use — set as the forward's only Reply-To. Null when the
 * message names no single address to reply to (then it is forwarded as it would be with replies off).
 */
export async function carryReplyAddress(message: InboundMessage, alias: string, user: string | null, dmarc: DmarcVerdict | undefined, deps: CarryDeps): Promise<CarriedReply | null> {
  const named = replyContact(message.header) ?? (splitFrom(message.from).address.toLowerCase() || null);
  const contact = named && parseAddress(named);
  const own = parseAddress(alias);
  if (!contact || !own) return null;
  const replyTo = await replyAddressFor(deps.replies, { alias: `${own.local}@${own.domain}`, contact: `${contact.local}@${contact.domain}`, user }, false);
  const decision: ReplyToDecision = message.raw ? replyToDecision(message.raw, message.header, dmarc) : { action: 'parsed', reason: 'parsed-mode' };
  return { message: withReplyAddress(message, decision, replyTo, deps.sendingDomain), replyTo, decision };
}
