import type { Clock } from '../clock.js';
import type { InboundMessage } from '../inbound/message.js';
import type { Outcome } from '../retry-contract.js';
import { parseAddress } from '../rules/address.js';
import type { RouteDecision } from '../rules/types.js';
import type { Inventory } from '../store/inventory.js';
import { decidePolicy, type PolicyVerdict } from './decide.js';
import { messageFacts } from './facts.js';
import { DEFAULT_POLICY } from '../rules/resolved-policy.js';
import { holdReason, type FloodGuard } from '../flood/budget.js';
import { DEFAULT_LIMITS, type FloodHold } from '../rules/resolved-limits.js';
import type { Taken } from '../store/flood.js';
import type { DmarcCheck } from '../forward/dmarc.js';

export interface PolicyStepDeps {
  inventory: Inventory;
  clock: Clock;
  flood: FloodGuard;
  /** Which sender domain authenticated a raw-mode message (aligned DKIM): whose share of new aliases it spends. */
  dmarc: Pick<DmarcCheck, 'authenticated'>;
}

/** The policy's part of one signed delivery, between routing and sending: the store I/O around decidePolicy. */
export interface PolicyStep {
  /** Reads the alias's facts and decides. A store that cannot answer throws (503): a block is never skipped. */
  decide(decision: RouteDecision & { action: 'forward' }): Promise<PolicyVerdict>;
  /** The sender domain when decide() found it new to the alias (the leak signal), else null. */
  readonly newSender: string | null;
  /** The new-alias budget decide() found spent, else null: the message is held (503), not sent. */
  readonly held: FloodHold | null;
  /**
   * Records the delivery in the inventory once its outcome is final (forwarded or refused). `authenticated`: its From
   * domain authenticated it (an aligned DKIM signature verified), which is what keeps an alias (store/inventory.ts).
   */
  settle(outcome: Outcome, authenticated?: boolean): Promise<void>;
}

// Rule refusals of an address that is not ours (or not an address) say nothing about any alias.
const NOT_AN_ALIAS = new Set(['invalid-address', 'foreign-domain']);

export function policyStep(message: InboundMessage, recipient: string, deps: PolicyStepDeps, routed: RouteDecision): PolicyStep {
  const parsed = routed.action === 'reject' && NOT_AN_ALIAS.has(routed.reason) ? null : parseAddress(recipient);
  const address = parsed ? `${parsed.local}@${parsed.domain}` : null;
  const facts = messageFacts(message);
  let newSender: string | null = null;
  let held: FloodHold | null = null;
  let newAlias: Taken | null = null;
  return {
    async decide(decision) {
      const now = deps.clock.now();
      const alias = await deps.inventory.facts(address ?? recipient, facts.senderDomain);
      const verdict = decidePolicy(decision.policy ?? DEFAULT_POLICY, decision.to, facts, alias, now);
      newSender = verdict.newSender ? facts.senderDomain : null;
      if (verdict.outcome === 'reject' || alias.known) return verdict;
      // An alias new to the relay, whose mail would go out: it costs one of the hour's new aliases of every mailbox
      // it goes to, from its sender's pool, once however many messages it gets. Once the pool is spent, its mail is
      // held (503) until the hour ends, never refused: it may be the owner's, and Mailgun's retry gets through (a
      // dictionary attack on a catch-all stops costing forwards). Taken now, given back in settle() unless the
      // message was forwarded, so a message held by the per-minute limit keeps no unit.
      const authenticated = message.raw ? await deps.dmarc.authenticated(message.raw, message.header) : null;
      const slot = await deps.flood.takeNewAlias(address ?? recipient, verdict.to, decision.limits ?? DEFAULT_LIMITS, authenticated);
      if ('taken' in slot) {
        newAlias = slot.taken;
        return verdict;
      }
      held = slot.held;
      return { ...verdict, reason: 'new-alias-limit', to: [], detail: `policy new-alias-limit: ${holdReason(held)}; held, Mailgun retries` };
    },
    get newSender() {
      return newSender;
    },
    get held() {
      return held;
    },
    async settle(outcome, authenticated = false) {
      if (newAlias && outcome !== 'forwarded') await deps.flood.giveBack(newAlias);
      if (address === null || (outcome !== 'forwarded' && outcome !== 'rejected')) return;
      const forwarded = outcome === 'forwarded';
      const use = { address, at: deps.clock.now(), outcome: forwarded ? 'forwarded' : 'refused', senderDomain: facts.senderDomain, newSender: newSender !== null, authenticated: forwarded && authenticated } as const;
      // Bookkeeping after the fact: the message was sent (or refused) either way, and failing now would only
      // make Mailgun retry it. A record lost to a store outage costs one count.
      await deps.inventory.record(use).catch(() => undefined);
    },
  };
}
