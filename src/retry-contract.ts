/**
 * Mailgun's retry contract, stated once. Every answer the relay gives a Mailgun POST is one of these
 * outcomes, and its HTTP status comes from here: 200 and 406 end Mailgun's attempts, anything else is
 * retried for about 8 hours with the same signature block. docs/how-it-works.md's table mirrors this one.
 *
 * The rule behind it: never 200 for a message that was not forwarded or deliberately refused (it would
 * be lost), never 406 for a failure that a retry could fix, never a retryable status for input that can
 * never succeed (it would come back for 8 hours).
 */
export const RETRY_CONTRACT = {
  forwarded: { status: 200, mailgun: 'done', when: 'sent to every target' },
  duplicate: { status: 200, mailgun: 'done', when: 'a retry or second copy of a message already forwarded: nothing is sent again' },
  rejected: { status: 406, mailgun: 'gives up', when: 'refused for good: no rule, a reject rule, a mail loop, or the Mailgun API refused the message' },
  'bad-input': { status: 406, mailgun: 'gives up', when: 'a body that can never be read: malformed, over MAX_BODY_BYTES, too many parts' },
  'bad-signature': { status: 401, mailgun: 'retries', when: 'signature missing, expired or wrong (a forger gets nothing; a key rotation is survived)' },
  'unsupported-type': { status: 415, mailgun: 'retries', when: 'not one of the two form types (Mailgun never sends another): refused before its body is read' },
  timeout: { status: 408, mailgun: 'retries', when: 'the body did not arrive within REQUEST_TIMEOUT_MS: answered by the server, connection closed' },
  failed: { status: 502, mailgun: 'retries', when: 'the Mailgun API or the network to it failed' },
  busy: { status: 503, mailgun: 'retries', when: 'every send slot taken, or another copy of the message is being sent right now' },
  'over-limit': {
    status: 503,
    mailgun: 'retries',
    when: "the flood guard: the target mailbox had its limits.per_target forwards this minute or hour, or (policy reason new-alias-limit) its limits.new_aliases_per_hour new aliases from the sender's pool this hour; nothing is sent until the window ends",
  },
  'store-unavailable': { status: 503, mailgun: 'retries', when: 'the store (Redis, the disk) cannot answer: nothing is sent' },
  'over-capacity': { status: 503, mailgun: 'retries', when: 'request bodies in flight would exceed MAX_INFLIGHT_BYTES: refused before its body is read' },
  internal: { status: 500, mailgun: 'retries', when: 'a bug: logged with its stack' },
} as const satisfies Record<string, { status: number; mailgun: 'done' | 'gives up' | 'retries'; when: string }>;

export type Outcome = keyof typeof RETRY_CONTRACT;
export type OutcomeStatus = (typeof RETRY_CONTRACT)[Outcome]['status'];

export const OUTCOMES = Object.keys(RETRY_CONTRACT) as Outcome[];

export function statusOf<O extends Outcome>(outcome: O): (typeof RETRY_CONTRACT)[O]['status'] {
  return RETRY_CONTRACT[outcome].status;
}

/**
 * When one message goes to several targets and they end differently, the answer is the one that keeps
 * the most: anything retryable first (the targets already sent are remembered and not sent again), then
 * a refusal, then success.
 */
const PRECEDENCE = ['store-unavailable', 'busy', 'over-limit', 'failed', 'rejected', 'forwarded', 'duplicate'] as const satisfies readonly Outcome[];

/** How one send to one target can end. */
export type TargetOutcome = (typeof PRECEDENCE)[number];

export function combine(outcomes: readonly TargetOutcome[]): TargetOutcome {
  let best: TargetOutcome = 'duplicate';
  for (const outcome of outcomes) if (PRECEDENCE.indexOf(outcome) < PRECEDENCE.indexOf(best)) best = outcome;
  return best;
}

/**
 * The same contract for Mailgun's event webhooks (POST /mailgun/events). The relay only records there, so
 * fewer answers: 200 for every event it has read (used or not), 401 for a bad signature (Mailgun retries,
 * so a key rotation loses nothing), 406 for a body that can never be read, 413 for one too large to read at
 * all (src/events/body.ts), and 503 only when the store cannot record a failure. docs/how-it-works.md's events table mirrors this one.
 */
export const EVENT_CONTRACT = {
  recorded: { status: 200, mailgun: 'done', when: 'a failed forward, recorded for its alias and target' },
  ignored: { status: 200, mailgun: 'done', when: 'an event the relay does not use, or a failure of a send the relay did not make' },
  duplicate: { status: 200, mailgun: 'done', when: 'a replay of an event token already recorded: counted once' },
  'bad-input': { status: RETRY_CONTRACT['bad-input'].status, mailgun: 'gives up', when: 'not a JSON object, nested deeper than 32 levels, or signed event-data that is not an object' },
  'too-large': { status: 413, mailgun: 'retries', when: 'over 64 KiB (no real event is near that): refused before it is read' },
  'bad-signature': { status: RETRY_CONTRACT['bad-signature'].status, mailgun: 'retries', when: 'signature missing, expired or wrong' },
  busy: { status: RETRY_CONTRACT.busy.status, mailgun: 'retries', when: 'another copy of the same event is being recorded right now' },
  'store-unavailable': { status: RETRY_CONTRACT['store-unavailable'].status, mailgun: 'retries', when: 'the store cannot record the failure' },
} as const satisfies Record<string, { status: number; mailgun: 'done' | 'gives up' | 'retries'; when: string }>;

export type EventOutcome = keyof typeof EVENT_CONTRACT;

export const EVENT_OUTCOMES = Object.keys(EVENT_CONTRACT) as EventOutcome[];
