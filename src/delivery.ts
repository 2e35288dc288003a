/**
 * The types of one delivery, apart from the code that makes it: deliver.ts (a forward) and reply.ts (the owner's
 * reply through a reply address) both build these, and deliver.ts calls reply.ts, so the types sit below both.
 */
import type { Clock } from './clock.js';
import type { Outcome, OutcomeStatus } from './retry-contract.js';
import type { CompiledRules } from './rules/types.js';
import type { FloodHold } from './rules/resolved-limits.js';
import type { Ledger } from './store/types.js';
import type { Inventory } from './store/inventory.js';
import type { ReplyAddresses } from './store/reply-addresses.js';
import type { PolicyVerdict } from './policy/decide.js';
import type { FloodGuard } from './flood/budget.js';
import type { DmarcCheck, DmarcVerdict } from './forward/dmarc.js';
import type { Transport } from './forward/types.js';
import type { ReplyToDecision } from './forward/reply-to.js';
import type { ExactlyOncePolicy } from './exactly-once.js';

/** What happened to one delivery, as data: the route answers `status`, the log line prints it. */
export interface DeliveryResult {
  status: OutcomeStatus;
  outcome: Outcome;
  reason: string;
  recipient: string | null;
  rule: number | null;
  targets: string[];
  ids: string[];
  /** Raw mode, once a rule forwarded it: whether From had to be rewritten for DMARC, and why. */
  dmarc?: DmarcVerdict;
  /** The policy's decision, when the rules routed the message to targets. */
  policy: PolicyVerdict | null;
  /** The sender domain when it is new to the alias (the leak signal), else null. */
  newSender: string | null;
  /** The flood guard held a send back, or mail to a new alias (503). */
  flood?: FloodHold;
  /** With `replies: true`: how the forward carries its reply address, and why. */
  replyTo?: ReplyToDecision;
  /** Mail to a reply address: sent on as the alias, or why not (reply.ts). */
  reply?: ReplyReason;
}

export interface DeliveryDeps {
  rules(): CompiledRules;
  transport: Transport;
  /** DKIM and DMARC of raw-mode messages, before they are forwarded. */
  dmarc: DmarcCheck;
  ledger: Ledger;
  inventory: Inventory;
  clock: Clock;
  sendingDomain: string;
  /** Marks every forward (X-Plus-Relay) and recognises our own forwards coming back. */
  relayId: string;
  exactlyOnce: ExactlyOncePolicy;
  /** Per target mailbox budgets (flood/budget.ts). */
  flood: FloodGuard;
  /** Reply addresses (store/reply-addresses.ts), made for forwards under `replies: true`. */
  replies: ReplyAddresses;
}

/**
 * The forward's result, and its writes still in flight (the completions of the pairs it forwarded, the inventory's
 * record): `written` settles to the first completion's error, or null. Never rejects, so a forward that throws
 * before awaiting it leaves no unhandled rejection.
 */
export interface Routed {
  result: DeliveryResult;
  written: Promise<Error | null>;
  /** The token is this delivery's claim (to complete or release); false when it was used or busy. */
  tokenHeld: boolean;
}

/** Why a message to a reply address was sent on (`sent`) or not: logged with the delivery and counted. */
export type ReplyReason =
  | 'sent'
  | 'unknown-reply-address' // never made, or given way to strangers' mail
  | 'parsed-mode' // parsed mode cannot show the owner's DKIM signature
  | 'replies-off' // the alias no longer forwards, or replies are off for it
  | 'user-changed' // the alias belongs to another user than when the address was made
  | 'not-owner' // not from one of the user's target mailboxes
  | 'unsigned' // no DKIM signature of that mailbox's domain verifies
  | 'dkim-temperror'; // its key could not be looked up: Mailgun retries

