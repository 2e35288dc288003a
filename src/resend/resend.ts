import type { Clock } from '../clock.js';
import { isRuleTarget } from '../events/handle-event.js';
import { UpstreamRefused, UpstreamUnavailable, type Transport } from '../forward/types.js';
import type { CompiledRules } from '../rules/types.js';
import { FAILURE_LOG_LIMITS, failureId } from '../store/failures.js';
import type { FailureEntry, FailureLog, Ledger } from '../store/types.js';
import type { ResendOutcome } from './outcomes.js';
import type { StoredMessages } from './stored-messages.js';

export interface ResendDeps {
  failures: FailureLog;
  ledger: Ledger;
  transport: Transport;
  /** Null without MAILGUN_API_KEY: nothing to fetch with. */
  stored: StoredMessages | null;
  rules(): CompiledRules;
  clock: Clock;
  relayId: string;
  /** How long a claim lives if its holder dies: a fetch and a send. */
  claimTtlMs: number;
}

/** What one resend came to, as data: the route answers from `outcome`, says `message`. */
export interface ResendResult {
  outcome: ResendOutcome;
  message: string;
  failure: { id: string; alias: string; target: string } | null;
  /** When the failure was resent (now, or earlier for `already-resent` when known), epoch ms. */
  resentAt: number | null;
  /** Mailgun's id of the new send. */
  sendId: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

/** The recorded failure with this id, among the pairs the log keeps. */
async function find(failures: FailureLog, id: string): Promise<FailureEntry | null> {
  return (await failures.recent(FAILURE_LOG_LIMITS.maxPairs)).find((e) => failureId(e.last) === id) ?? null;
}

/**
 * Sends a failed forward's stored message again, to the same target, at most once per failure: a `resend`
 * ledger claim on the failure makes two clicks, two instances, or the page and the CLI send once. What can
 * never work (no storage URL, a host that is not Mailgun's, an expired message) is said before or without
 * sending; an outage releases the claim so the owner can try again. `owner` is the request id.
 */
export async function resendFailure(id: string, deps: ResendDeps, owner: string): Promise<ResendResult> {
  const entry = await find(deps.failures, id);
  const none = { failure: null, resentAt: null, sendId: null };
  if (!entry) return { outcome: 'unknown', message: `no recorded failure has the id ${id} (plus-relay doctor lists them)`, ...none };
  const { alias, target, storageUrl } = entry.last;
  const result = (outcome: ResendOutcome, message: string, more: Partial<ResendResult> = {}): ResendResult => ({ outcome, message, failure: { id, alias, target }, resentAt: null, sendId: null, ...more });
  const already = (at: number | null) => result('already-resent', `the failed forward ${alias} → ${target} was already resent${at === null ? '' : ` at ${iso(at)}`}: once per failure`, { resentAt: at });

  if (entry.resentAt !== null) return already(entry.resentAt);
  if (!isRuleTarget(deps.rules(), alias, target)) return result('not-a-target', `the rules no longer forward ${alias} to ${target}: not resent`);
  if (!storageUrl) return result('no-storage', `the failed forward ${alias} → ${target} has no stored message to resend (Mailgun's event carried no storage URL, or it was recorded before the relay kept them)`);
  if (!deps.stored) return result('no-api-key', 'resend needs MAILGUN_API_KEY: the relay fetches the stored message from Mailgun with it');

  const key = `${alias}\n${target}\n${entry.last.at}`;
  const claim = await deps.ledger.claim('resend', key, owner, deps.claimTtlMs);
  if (claim === 'used') return already((await find(deps.failures, id))?.resentAt ?? null);
  if (claim === 'busy') return result('busy', `the failed forward ${alias} → ${target} is being resent right now`);
  // Not sent: the claim is freed, so the same failure can be resent once the cause is gone.
  const notSent = async (outcome: ResendOutcome, message: string) => {
    await deps.ledger.release('resend', key, owner).catch(() => undefined);
    return result(outcome, message);
  };

  let sendId: string;
  try {
    const fetched = await deps.stored.fetch(storageUrl);
    if (fetched.kind === 'host-refused') return await notSent('host-refused', `refused, nothing fetched: ${fetched.reason}`);
    if (fetched.kind === 'expired') return await notSent('expired', `Mailgun no longer has the message of ${alias} → ${target} (it keeps stored messages about 3 days): it cannot be resent`);
    if (fetched.kind === 'unavailable') return await notSent('unavailable', `${fetched.detail}; nothing was resent, try again`);
    ({ id: sendId } = await deps.transport.send({ kind: 'mime', to: target, mime: fetched.mime, relayId: deps.relayId, alias }));
  } catch (err) {
    if (err instanceof UpstreamUnavailable) return notSent('unavailable', `${err.message}; nothing was resent, try again`);
    if (err instanceof UpstreamRefused) return notSent('send-refused', err.message);
    await deps.ledger.release('resend', key, owner).catch(() => undefined);
    throw err;
  }
  // Sent: from here on the answer is `resent` whatever the store says. Remembered for as long as the failure is.
  const at = deps.clock.now();
  await deps.ledger.complete('resend', key, FAILURE_LOG_LIMITS.retentionMs).catch(() => undefined);
  await deps.failures.markResent(entry.last, at).catch(() => undefined);
  return result('resent', `resent the message of ${alias} to ${target}`, { resentAt: at, sendId });
}
