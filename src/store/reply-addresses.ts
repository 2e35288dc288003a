import { randomBytes } from 'node:crypto';

/**
 * Reply addresses: one per (alias, contact) pair, the address a forward names as Reply-To, through which the owner's
 * reply leaves as the alias to the contact. Anyone who learns one can try to send through it, so it is unguessable
 * (REPLY_TOKEN_BYTES of randomness), and it is worth nothing without the owner's signed mail (replies/).
 */
export interface ReplyPair {
  /** The alias, lower-cased. */
  alias: string;
  /** Where replies go: the sender's address, or the Reply-To it asked for; lower-cased. */
  contact: string;
  /** The alias's user when the address was made (a rule with its own `to:` has none). */
  user: string | null;
}

export interface ReplyEntry extends ReplyPair {
  token: string;
  /** The owner replied through it, or asked for it (`plus-relay contact`): never given way. */
  pinned: boolean;
}

export interface ReplyAddresses {
  /**
   * The token of the pair's reply address, made when the pair has none (its user then recorded). `pin` keeps it
   * whatever strangers' mail does afterwards. Making one may drop the least recently used unpinned ones beyond the cap.
   */
  issue(pair: ReplyPair, pin: boolean): Promise<string>;
  find(token: string): Promise<ReplyEntry | null>;
  /** The owner replied through it: from now on it is never given way. */
  pin(token: string): Promise<void>;
}

/**
 * How many unpinned reply addresses are kept. Every forward from a new sender makes one, and anyone can send mail
 * from as many addresses as they like: past the cap the least recently used unpinned ones go (a reply through one is
 * then refused as unknown). Pinned ones grow only by the owner's own replies and requests, and are never dropped.
 */
export interface ReplyLimits {
  maxUnpinned: number;
}

export const REPLY_LIMITS: ReplyLimits = { maxUnpinned: 100_000 };

/** 16 bytes: 128 bits, well beyond the 80 an attacker would have to guess through, one 406 at a time. */
const REPLY_TOKEN_BYTES = 16;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A fresh token: lower-case base32, so it survives any mail system's case folding. */
export function newReplyToken(): string {
  const bytes = randomBytes(REPLY_TOKEN_BYTES);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The local part of a reply address: `r=` and the token. `=` is a character no rule placeholder captures
 * ({service}, {user}, {anything}: a-z 0-9 . _ -) and that neither `alias add` nor the alias API ever writes, so no
 * alias the relay hands out has this form; only a literal `match:` or a bare `*` could route one, and the relay
 * answers its own reply addresses before any rule.
 */
const REPLY_LOCAL = /^r=([a-z2-7]{26})$/;

export function replyLocalPart(token: string): string {
  return `r=${token}`;
}

/** The token of a reply address's local part (lower-cased), or null when it is not one. */
export function replyTokenOf(local: string): string | null {
  return REPLY_LOCAL.exec(local.toLowerCase())?.[1] ?? null;
}

/** Whether a local part has the reply addresses' form (known or not). */
export const isReplyLocalPart = (local: string): boolean => replyTokenOf(local) !== null;
