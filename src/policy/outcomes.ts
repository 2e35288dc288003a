import type { Outcome } from '../retry-contract.js';

/**
 * What a policy can do with a message, stated once. rules.yaml writes it `forward`, `reject` or
 * `{to: "<template>"}`; the delivery answers Mailgun with the retry contract's outcome named here. The
 * policy table in docs/rules.md mirrors this one.
 */
export const POLICY_OUTCOMES = {
  forward: { yaml: 'forward', delivery: 'forwarded', when: "sent to the route's targets, as if no policy applied (the default)" },
  reject: { yaml: 'reject', delivery: 'rejected', when: 'refused for good: answered 406, nothing sent' },
  redirect: { yaml: '{to: "<template>"}', delivery: 'forwarded', when: "sent to the policy's own targets instead of the route's" },
} as const satisfies Record<string, { yaml: string; delivery: Outcome; when: string }>;

export type PolicyOutcome = keyof typeof POLICY_OUTCOMES;

/**
 * Why a policy refused or redirected a message, or (new-alias-limit) why the flood guard held it. A closed list:
 * these are the metrics' `reason` labels, so it never grows with what senders send.
 */
export const POLICY_REASONS = {
  blocked: 'the alias is blocked (plus-relay block, or the admin page)',
  'new-alias': 'new_aliases: reject, and the relay never forwarded mail to this address nor was it added',
  'sender-blocked': 'senders.block names the From address or the envelope sender (or their domain)',
  'sender-not-allowed': 'senders.allow is set and names neither the From address nor the envelope sender',
  spam: 'Mailgun marked it spam (X-Mailgun-Sflag: Yes), or its X-Mailgun-Sscore is above spam.score_above',
  leak: 'its sender domain is new: first seen after the alias’s leaks.learn period',
  'new-alias-limit':
    "limits.new_aliases_per_hour: the hour's new aliases of its target mailbox from its sender's pool (its DKIM-authenticated domain's own, or the one of all unauthenticated senders) are used up; held (503 over-limit, Mailgun retries) until the hour ends, never refused",
} as const;

export type PolicyReason = keyof typeof POLICY_REASONS;

export const POLICY_REASON_NAMES = Object.keys(POLICY_REASONS) as PolicyReason[];
