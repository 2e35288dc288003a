import type { RulesProblem } from './positions.js';

export function formatProblem(p: RulesProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** Problems in source order, so a reader can fix the file top to bottom. */
export function sortProblems(problems: readonly RulesProblem[]): RulesProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** A rules file that cannot be used. Carries every problem found, each with its position. */
export class RulesLoadError extends Error {
  override readonly name = 'RulesLoadError';
  readonly problems: readonly RulesProblem[];

  constructor(problems: readonly RulesProblem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map(formatProblem).join('\n'));
    this.problems = sorted;
  }
}
