// Fault rules: which injected misbehaviour, if any, the next request gets. Rules are tried in the order they were
// added; the first whose predicate matches is used once (a rule with `times: Infinity` never runs out).
import type { ApiRequest, Fault } from './types.js';

export type FaultPredicate = (req: ApiRequest) => boolean;

interface FaultRule {
  fault: Fault;
  when: FaultPredicate;
  remaining: number;
}

export interface FaultRules {
  add(fault: Fault, times: number, when: FaultPredicate): void;
  take(req: ApiRequest): Fault | undefined;
  clear(): void;
}

export function createFaultRules(): FaultRules {
  let rules: FaultRule[] = [];
  return {
    add(fault, times, when) {
      if (!(times >= 1)) throw new TypeError(`fault times must be >= 1, got ${times}`);
      rules.push({ fault, when, remaining: times });
    },
    take(req) {
      const rule = rules.find((r) => r.remaining > 0 && r.when(req));
      if (!rule) return undefined;
      rule.remaining -= 1;
      rules = rules.filter((r) => r.remaining > 0);
      return rule.fault;
    },
    clear() {
      rules = [];
    },
  };
}

/** Only requests that send a message (either endpoint): the usual target of fault injection. */
export const isSend: FaultPredicate = (req) => req.method === 'POST' && /\/messages(\.mime)?$/.test(req.path);
