import type { Command } from './io.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { RULES_ENV, RULES_OPTION } from './common-options.js';
import { loadForCli } from './route.js';

export const CHECK = commandSpec({
  name: 'check',
  args: '',
  summary: 'validate the rules file: every problem as file:line:col',
  options: { rules: RULES_OPTION },
  env: RULES_ENV,
  examples: ['plus-relay check', 'plus-relay check --rules staging.yaml'],
});

/** Validates a rules file: a one-line summary and exit 0, or every problem as file:line:col and exit 1. */
export const check: Command = async (args, io) => {
  const parsed = parseCommand(CHECK, args, io);
  if (!parsed.ok) return parsed.exit;
  if (parsed.positionals.length > 0) return usageError(io, CHECK, `check takes no address (${JSON.stringify(parsed.positionals[0])})`);
  const rules = await loadForCli(parsed.values.rules, io);
  if (rules === null) return 1;
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  io.out(`${rules.file}: ok — ${count(rules.domains.length, 'domain')}, ${count(rules.userCount, 'user')}, ${count(rules.ruleCount, 'rule')}`);
  return 0;
};
