export type { CompiledRules, RejectReason, RouteDecision } from './types.js';
export type { RulesProblem } from './positions.js';
export { compileRules, type RuleSet } from './compile.js';
export { loadRules, readRulesText } from './load.js';
export { watchRules, type WatchHandlers } from './watch.js';
export { RulesLoadError, formatProblem } from './errors.js';
export { parseAddress, parseTarget, isHostname } from './address.js';
