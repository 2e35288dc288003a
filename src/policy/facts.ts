import { getDomain } from 'tldts';
import type { InboundMessage } from '../inbound/message.js';
import { splitFrom } from '../mail/address.js';
import { isHostname } from '../rules/address.js';

/** A sender address as the policy compares it: lower-cased, with a valid host name after its last `@`. */
export interface SenderAddress {
  address: string;
  domain: string;
}

/** What the policy reads from one message. Pure: the same message always gives the same facts. */
export interface MessageFacts {
  /** The From header's address. */
  from: SenderAddress | null;
  /** The envelope sender (MAIL FROM); null for bounces (`<>`). */
  envelope: SenderAddress | null;
  /** The registrable domain (eTLD+1) of the From address, else of the envelope sender: the inventory's key. */
  senderDomain: string | null;
  /** Mailgun's spam marking: any X-Mailgun-Sflag: Yes (a forged `No` never hides Mailgun's `Yes`, see HeaderView). */
  spamFlag: boolean;
  /** The highest X-Mailgun-Sscore, or null without one. */
  spamScore: number | null;
}

// From addresses come from senders: read leniently (quoted local parts exist), but bounded, and only the
// domain is checked strictly, because that is what the policy matches and what the inventory stores.
const MAX_ADDRESS = 320;

export function senderAddress(value: string | null | undefined): SenderAddress | null {
  const text = splitFrom(value ?? '').address.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (text.length > MAX_ADDRESS || at <= 0) return null;
  const domain = text.slice(at + 1);
  return isHostname(domain) ? { address: text, domain } : null;
}

/**
 * The registrable domain from the public suffix list (tldts), private suffixes included: mail from
 * `alice.github.io` and `bob.github.io` is from two different parties, as it is from two `.co.uk` names.
 */
export function registrableDomain(domain: string): string {
  return getDomain(domain, { allowPrivateDomains: true }) ?? domain;
}

export function messageFacts(message: Pick<InboundMessage, 'from' | 'sender' | 'header'>): MessageFacts {
  const from = senderAddress(message.from);
  const envelope = senderAddress(message.sender);
  const domain = from?.domain ?? envelope?.domain;
  const { spam } = message.header;
  return { from, envelope, senderDomain: domain ? registrableDomain(domain) : null, spamFlag: spam.flag, spamScore: spam.score };
}
