import type { Clock } from '../clock.js';
import type { ExactlyOncePolicy } from '../exactly-once.js';
import { verifySignature, type SignaturePolicy } from '../inbound/signature.js';
import type { EventOutcome } from '../retry-contract.js';
import type { CompiledRules, RouteDecision } from '../rules/types.js';
import { StoreUnavailableError, type BounceWatch, type FailureLog, type Ledger } from '../store/types.js';
import { readEventPost, readFailedEvent, type FailedEvent } from './event.js';
import type { Suppressions } from './suppressions.js';
import { bounceStep, unsuppress, UNSUPPRESS_EVERY_MS, type BounceOutcome } from './unsuppress.js';

export interface EventDeps {
  ledger: Ledger;
  failures: FailureLog;
  bounces: BounceWatch;
  clock: Clock;
  signature: SignaturePolicy;
  exactlyOnce: Pick<ExactlyOncePolicy, 'tokenTtlMs' | 'claimTtlMs'>;
  rules(): CompiledRules;
  /** The sending domain's bounce list; null without an API key (outbox mode sends nothing to bounce). */
  suppressions: Suppressions | null;
}

/** What happened to one event post, as data: the route answers from `outcome`, logs and counts the rest. */
export interface EventResult {
  outcome: EventOutcome;
  reason: string;
  /** `event-data.event` once the signature held. */
  event: string | null;
  failure: FailedEvent | null;
  /** What was done about the target's bounce (a failure that itself says the mailbox is missing: kept). */
  bounce: BounceOutcome | null;
  /** A backend's error text: for the log, never for the answer. */
  error: string | null;
}

/**
 * Every address the rules may send the alias's mail to: the route's targets, and the `{to: …}` of its spam
 * and leaks policies (a redirect target is the owner's mailbox as much as a rule target). Only bounces of
 * these are the relay's to touch.
 */
export function relayTargets(decision: RouteDecision): string[] {
  if (decision.action !== 'forward') return [];
  const redirects = [decision.policy?.spam?.then, decision.policy?.leaks.then].flatMap((then) => (then?.action === 'redirect' && then.to ? then.to : []));
  return [...decision.to, ...redirects];
}

/** An address the current rules send the alias's mail to (relayTargets): a resend may go there, and only there. */
export function isRuleTarget(rules: CompiledRules, alias: string, target: string): boolean {
  return relayTargets(rules.route(alias)).includes(target);
}

export function eventResult(outcome: EventOutcome, reason: string, more: Partial<EventResult> = {}): EventResult {
  return { outcome, reason, event: null, failure: null, bounce: null, error: null, ...more };
}

/**
 * One event post: read, verify (same key, window and token ledger as route posts), then record a failed
 * forward and act on its bounce. `requestId` owns the ledger claims it takes.
 */
export async function handleEvent(body: unknown, deps: EventDeps, requestId: string): Promise<EventResult> {
  const post = readEventPost(body);
  if (!post) return eventResult('bad-input', 'not a JSON object');
  const verdict = verifySignature(post.signature, deps.signature, deps.clock.now());
  if (verdict !== 'ok') return eventResult('bad-signature', `signature ${verdict}`);
  const token = post.signature.token as string;
  const { ledger } = deps;
  // Bound before anything reads the event, ignored ones too: a route post's block never records a failure (nor
  // removes a bounce), and an event's block never forwards a message.
  try {
    if (!(await ledger.bind(token, 'events', deps.exactlyOnce.tokenTtlMs))) return eventResult('bad-signature', 'signature already used on another endpoint');
  } catch (err) {
    if (err instanceof StoreUnavailableError) return eventResult('store-unavailable', 'the store cannot check the signature token', { error: err.message });
    throw err;
  }
  if (!post.data) return eventResult('bad-input', 'event-data missing or not an object');
  const event = typeof post.data.event === 'string' ? post.data.event.slice(0, 40) : null;
  const failure = readFailedEvent(post.data);
  if (!failure) return eventResult('ignored', `${event ?? 'unnamed'} events are not used`, { event });
  if (!failure.alias || !failure.target) return eventResult('ignored', 'not a forward of this relay (no plus-relay-alias)', { event, failure });
  const { alias, target } = failure;

  try {
    const claim = await ledger.claim('event', token, requestId, deps.exactlyOnce.claimTtlMs);
    if (claim === 'used') return eventResult('duplicate', 'event token already used', { event, failure });
    if (claim === 'busy') return eventResult('busy', 'the same event is being recorded', { event, failure });
    try {
      const { severity, reason, status, storageUrl } = failure;
      await deps.failures.record({ alias, target, severity, reason, code: status.code, message: status.message, at: deps.clock.now(), storageUrl });
    } catch (err) {
      await ledger.release('event', token, requestId).catch(() => undefined);
      throw err;
    }
    // Recorded: a replay must not count it again. If the store cannot say so now, the worst is a second count.
    await ledger.complete('event', token, deps.exactlyOnce.tokenTtlMs).catch(() => undefined);
  } catch (err) {
    if (err instanceof StoreUnavailableError) return eventResult('store-unavailable', 'the store cannot record the failure', { event, failure, error: err.message });
    throw err;
  }

  const step = bounceStep(failure);
  let bounce: BounceOutcome | null = null;
  if (step === 'missing-mailbox') bounce = { action: 'kept-missing-mailbox', bounce: null, error: null };
  else if (step === 'unsuppress' && deps.suppressions && relayTargets(deps.rules().route(alias)).includes(target)) {
    const { suppressions, bounces: watch, clock } = deps;
    bounce = await unsuppress({ target, alias }, requestId, { suppressions, ledger, watch, clock, everyMs: UNSUPPRESS_EVERY_MS, claimTtlMs: deps.exactlyOnce.claimTtlMs });
  }
  return eventResult('recorded', `${failure.severity} failure recorded`, { event, failure, bounce });
}
