import { parseArgs } from 'node:util';
import type { Command } from './io.js';
import { loadForCli, usage } from './route.js';

/** Validates a rules file: a one-line summary and exit 0, or every problem as file:line:col and exit 1. */
export const check: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { rules: { type: 'string' } } });
  } catch (err) {
    return usage(io, (err as Error).message, 'usage: plus-relay check [--rules FILE]');
  }
  const rules = await loadForCli(parsed.values.rules, io);
  if (rules === null) return 1;
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  io.out(`${rules.file}: ok — ${count(rules.domains.length, 'domain')}, ${count(rules.userCount, 'user')}, ${count(rules.ruleCount, 'rule')}`);
  return 0;
};
