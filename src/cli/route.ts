import { normalize, resolve } from 'node:path';
import { RulesLoadError } from '../rules/errors.js';
import { loadRules } from '../rules/load.js';
import type { RuleSet } from '../rules/compile.js';
import type { RouteDecision } from '../rules/types.js';
import { decidePolicy, type PolicyVerdict } from '../policy/decide.js';
import { headerViewOf } from '../mail/header-view.js';
import { messageFacts } from '../policy/facts.js';
import type { CliIO, Command } from './io.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { RULES_ENV, RULES_OPTION } from './common-options.js';

export const ROUTE = commandSpec({
  name: 'route',
  args: '<address>',
  summary: 'where an address goes, and which rule decided (offline: reads the rules file only)',
  options: {
    rules: RULES_OPTION,
    from: { type: 'string', value: 'SENDER', help: "also show the policy's decision for mail from this sender" },
    json: { type: 'boolean', default: false, help: 'one JSON object instead of text' },
  },
  env: RULES_ENV,
  examples: ['plus-relay route github@example.com', 'plus-relay route partner+shop@example.com --json', 'plus-relay route bank-loans@example.com --from alerts@phish.example'],
});

/**
 * Shows what the relay would do with one recipient. A reject is a decision, not a failure, so both
 * forward and reject exit 0; only bad arguments (2) and a bad rules file (1) do not.
 */
export const route: Command = async (args, io) => {
  const parsed = parseCommand(ROUTE, args, io);
  if (!parsed.ok) return parsed.exit;
  const [address, ...extra] = parsed.positionals;
  if (address === undefined || extra.length > 0) return usageError(io, ROUTE, 'expected exactly one address');
  const rules = await loadForCli(parsed.values.rules, io);
  if (rules === null) return 1;
  const decision = rules.route(address, parsed.values.from);
  const policy = policyOf(decision, parsed.values.from);
  if (parsed.values.json) io.out(JSON.stringify({ ...toJson(decision), ...(policy ? { policy: { outcome: policy.outcome, reason: policy.reason, to: policy.to } } : {}) }));
  else {
    io.out(describe(address, decision, rules));
    if (policy) io.out(describePolicy(policy, parsed.values.from));
  }
  return 0;
};

// Offline there is no inventory: the alias is taken as known, not blocked, and the sender as one it knows.
// Blocks, new_aliases, spam marking and new senders are decided by the running relay (plus-relay aliases).
const OFFLINE_ALIAS = { known: true, blocked: false, firstSeen: null, senderSeen: true } as const;

/**
 * With --from: the policy's decision for a message from that sender (as From and envelope sender), when
 * rules.yaml sets a policy for the address. Without --from the route alone is shown, as before policies.
 */
function policyOf(decision: RouteDecision, from: string | undefined): PolicyVerdict | null {
  if (from === undefined || decision.action !== 'forward' || !decision.policy) return null;
  const facts = messageFacts({ from, sender: from, header: headerViewOf([]) });
  return decidePolicy(decision.policy, decision.to, facts, OFFLINE_ALIAS, Date.now());
}

function describePolicy(v: PolicyVerdict, from: string | undefined): string {
  const sender = `from ${from}`;
  if (v.outcome === 'forward') return `policy: forward (${sender}; blocks, spam marking and new senders are decided by the running relay)`;
  return `policy: ${v.outcome}${v.outcome === 'redirect' ? ` → ${v.to.join(', ')}` : ''} (${sender}: ${v.detail.replace(/^policy [a-z-]+: /, '')})`;
}

/** Loads the rules named by --rules, RULES_FILE or ./rules.yaml (against io.cwd), printing any problems. */
export async function loadForCli(option: string | undefined, io: CliIO): Promise<RuleSet | null> {
  const name = option ?? io.env.RULES_FILE ?? './rules.yaml';
  try {
    // Messages name the file as the user wrote it (minus a leading ./), not as an absolute path.
    return await loadRules(resolve(io.cwd, name), normalize(name));
  } catch (err) {
    if (!(err instanceof RulesLoadError)) throw err;
    for (const line of err.message.split('\n')) io.err(line);
    return null;
  }
}

function toJson(d: RouteDecision) {
  return d.action === 'forward'
    ? { action: d.action, to: d.to, rule: d.rule }
    : { action: d.action, to: [], rule: d.rule, reason: d.reason };
}

function describe(address: string, d: RouteDecision, rules: RuleSet): string {
  const rule = (i: number) => `rule ${i}: ${JSON.stringify(rules.rules[i]?.match ?? '')}`;
  if (d.action === 'reject') return `reject (${d.reason}${d.rule === null ? '' : `, ${rule(d.rule)}`})`;
  return `${address} → ${d.to.join(', ')} (${rule(d.rule)}${d.user === null ? '' : `, user ${d.user}`})`;
}
