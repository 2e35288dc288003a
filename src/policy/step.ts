import type { Clock } from '../clock.js';
import type { InboundMessage } from '../inbound/message.js';
import type { Outcome } from '../retry-contract.js';
import { parseAddress } from '../rules/address.js';
import type { RouteDecision } from '../rules/types.js';
import type { Inventory } from '../store/inventory.js';
import { decidePolicy, type PolicyVerdict } from './decide.js';
import { messageFacts } from './facts.js';
import { DEFAULT_POLICY } from './types.js';

export interface PolicyStepDeps {
  inventory: Inventory;
  clock: Clock;
}

/** The policy's part of one signed delivery, between routing and sending: the store I/O around decidePolicy. */
export interface PolicyStep {
  /** Reads the alias's facts and decides. A store that cannot answer throws (503): a block is never skipped. */
  decide(decision: RouteDecision & { action: 'forward' }): Promise<PolicyVerdict>;
  /** The sender domain when decide() found it new to the alias (the leak signal), else null. */
  readonly newSender: string | null;
  /** Records the delivery in the inventory once its outcome is final (forwarded or refused). */
  settle(outcome: Outcome): Promise<void>;
}

// Rule refusals of an address that is not ours (or not an address) say nothing about any alias.
const NOT_AN_ALIAS = new Set(['invalid-address', 'foreign-domain']);

export function policyStep(message: InboundMessage, recipient: string, deps: PolicyStepDeps, routed: RouteDecision): PolicyStep {
  const parsed = routed.action === 'reject' && NOT_AN_ALIAS.has(routed.reason) ? null : parseAddress(recipient);
  const address = parsed ? `${parsed.local}@${parsed.domain}` : null;
  const facts = messageFacts(message);
  let newSender: string | null = null;
  return {
    async decide(decision) {
      const now = deps.clock.now();
      const alias = await deps.inventory.facts(address ?? recipient, facts.senderDomain);
      const verdict = decidePolicy(decision.policy ?? DEFAULT_POLICY, decision.to, facts, alias, now);
      newSender = verdict.newSender ? facts.senderDomain : null;
      return verdict;
    },
    get newSender() {
      return newSender;
    },
    async settle(outcome) {
      if (address === null || (outcome !== 'forwarded' && outcome !== 'rejected')) return;
      const use = { address, at: deps.clock.now(), outcome: outcome === 'forwarded' ? 'forwarded' : 'refused', senderDomain: facts.senderDomain, newSender: newSender !== null } as const;
      // Bookkeeping after the fact: the message was sent (or refused) either way, and failing now would only
      // make Mailgun retry it. A record lost to a store outage costs one count.
      await deps.inventory.record(use).catch(() => undefined);
    },
  };
}
