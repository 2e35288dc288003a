import createError from '@fastify/error';
import type { Clock } from './clock.js';
import type { InboundMessage } from './inbound/message.js';
import { messageKey } from './inbound/message.js';
import { verifySignature, type SignaturePolicy } from './inbound/signature.js';
import type { CompiledRules } from './rules/types.js';
import { applyDmarcVerdict, compose } from './forward/compose.js';
import type { DmarcCheck, DmarcVerdict } from './forward/dmarc.js';
import { UpstreamRefused, type Transport } from './forward/types.js';
import { classifySendError } from './forward/classify.js';
import { StoreUnavailableError, type ClaimResult, type Store } from './store/types.js';
import { loopVerdict } from './guards.js';

export type Outcome = 'forwarded' | 'duplicate' | 'rejected' | 'bad-signature' | 'failed' | 'busy' | 'store-unavailable';

/** What happened to one delivery, as data: the route maps it to HTTP, the log line prints it. */
export interface DeliveryResult {
  status: 200 | 401 | 406 | 502 | 503;
  outcome: Outcome;
  reason: string;
  recipient: string | null;
  rule: number | null;
  targets: string[];
  ids: string[];
  /** Raw mode, once a rule forwarded it: whether From had to be rewritten for DMARC, and why. */
  dmarc?: DmarcVerdict;
}

export interface DeliveryDeps {
  rules(): CompiledRules;
  transport: Transport;
  /** DKIM and DMARC of raw-mode messages, before they are forwarded. */
  dmarc: DmarcCheck;
  store: Store;
  clock: Clock;
  signature: SignaturePolicy;
  sendingDomain: string;
  /** Marks every forward (X-Plus-Relay) and recognises our own forwards coming back. */
  relayId: string;
  /** How long a finished token is remembered: beyond the signature window, so replays never resend. */
  usedTokenTtlMs: number;
  /** How long an in-flight claim lives if its holder dies: longer than one send can take. */
  claimTtlMs: number;
  /** How long a (message, target) pair is remembered as forwarded. */
  deliveredTtlMs: number;
  /** How long a second copy of an in-flight token waits for the first to finish. */
  claimWaitMs: number;
}

/** A result decided before any rule ran: no rule, no targets, no ids. */
type EarlyResult = Pick<DeliveryResult, 'status' | 'outcome' | 'reason'>;

export async function deliver(message: InboundMessage, deps: DeliveryDeps, owner: string): Promise<DeliveryResult> {
  const finish = (r: EarlyResult): DeliveryResult => ({ recipient: message.recipient, rule: null, targets: [], ids: [], ...r });

  const verdict = verifySignature(message.signature, deps.signature, deps.clock.now());
  if (verdict !== 'ok') return finish({ status: 401, outcome: 'bad-signature', reason: `signature ${verdict}` });
  if (!message.recipient) return finish({ status: 406, outcome: 'rejected', reason: 'no recipient' });
  const loop = loopVerdict(message, deps.relayId);
  if (loop) return finish({ status: 406, outcome: 'rejected', reason: loop });
  const token = message.signature.token as string;

  try {
    // Two copies of one delivery at once: the second waits for the first rather than sending.
    const claim = await claimWaiting(() => deps.store.claimToken(token, owner, deps.claimTtlMs), deps);
    if (claim === 'used') return finish({ status: 200, outcome: 'duplicate', reason: 'token already used' });
    if (claim === 'busy') return finish({ status: 503, outcome: 'busy', reason: 'the same delivery is in progress' });

    let result: DeliveryResult;
    try {
      result = await route(message, deps, owner);
    } catch (err) {
      await deps.store.releaseToken(token, owner).catch(() => undefined);
      throw err;
    }
    if (result.status === 200 || result.status === 406) await deps.store.completeToken(token, deps.usedTokenTtlMs);
    else await deps.store.releaseToken(token, owner);
    return result;
  } catch (err) {
    if (err instanceof StoreUnavailableError) return finish({ status: 503, outcome: 'store-unavailable', reason: err.message });
    throw err;
  }
}

/** Another delivery of the same message (another token) is sending it to this target right now. */
const SendInProgress = createError<[string]>('PLUS_RELAY_SEND_IN_PROGRESS', 'the same message is being forwarded to %s by another delivery', 503);

async function claimWaiting(claim: () => Promise<ClaimResult>, deps: DeliveryDeps): Promise<ClaimResult> {
  let result = await claim();
  for (let waited = 0; result === 'busy' && waited < deps.claimWaitMs; waited += 50) {
    await deps.clock.sleep(50);
    result = await claim();
  }
  return result;
}

async function route(message: InboundMessage, deps: DeliveryDeps, owner: string): Promise<DeliveryResult> {
  const recipient = message.recipient as string;
  const decision = deps.rules().route(recipient, message.sender ?? undefined);
  const base = { recipient, rule: decision.rule, targets: [] as string[], ids: [] as string[] };
  if (decision.action === 'reject') return { ...base, status: 406, outcome: 'rejected', reason: decision.reason };

  // Raw mode: the original bytes pass DMARC at the target only on an aligned DKIM signature; without one, and under
  // an enforcing policy, From becomes ours (once, for every target).
  const dmarc = message.raw ? await deps.dmarc.check(message.raw) : undefined;
  const outgoing = applyDmarcVerdict(message, dmarc, deps.sendingDomain);
  const key = messageKey(message);
  const settled = await Promise.allSettled(
    decision.to.map(async (to) => {
      const deliveredKey = `${key}\n${to}`;
      // Forwarded earlier (under another token, or before a partial failure): not again. Being
      // forwarded by another copy right now (any instance): wait for it rather than send twice.
      const claim = await claimWaiting(() => deps.store.claimDelivery(deliveredKey, owner, deps.claimTtlMs), deps);
      if (claim === 'used') return '';
      if (claim === 'busy') throw new SendInProgress(to);
      let id: string;
      try {
        ({ id } = await deps.transport.send(compose(outgoing, to, deps.sendingDomain, deps.relayId)));
      } catch (err) {
        await deps.store.releaseDelivery(deliveredKey, owner).catch(() => undefined);
        throw err;
      }
      await deps.store.markDelivered(deliveredKey, deps.deliveredTtlMs);
      return id;
    }),
  );
  const ids = settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  const storeDown = failures.find((f) => f instanceof StoreUnavailableError);
  if (storeDown) throw storeDown;
  const errors = failures.map((f) => (f instanceof Error && 'statusCode' in f ? f : classifySendError(f)));
  const result = { ...base, targets: decision.to, ids, ...(dmarc && { dmarc }) };
  const transient = errors.find((e) => !(e instanceof UpstreamRefused));
  // Every send slot busy, or another copy still sending: 503 'busy'. The API or network failing: 502 'failed'.
  if (transient?.statusCode === 503) return { ...result, status: 503, outcome: 'busy', reason: transient.message };
  if (transient) return { ...result, status: 502, outcome: 'failed', reason: transient.message };
  if (errors[0]) return { ...result, status: 406, outcome: 'rejected', reason: errors[0].message };
  return { ...result, status: 200, outcome: ids.length ? 'forwarded' : 'duplicate', reason: ids.length ? 'forwarded' : 'already forwarded to every target' };
}
