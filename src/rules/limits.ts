import type { LimitsLayer, ResolvedLimits } from './resolved-limits.js';
import { mapping } from './policy.js';
import type { DocPath, PathProblem } from './positions.js';

/**
 * Compiles one `limits:` mapping (the top level's or a user's). Its shape (whole numbers from 1) is the schema's
 * job; this checks what the schema cannot: a per-minute limit above the per-hour one, at the per_minute key.
 */
export function compileLimits(raw: unknown, path: DocPath, problems: PathProblem[]): LimitsLayer {
  const limits = mapping(raw);
  if (!limits) return {};
  const target = mapping(limits.per_target);
  const layer: { -readonly [K in keyof ResolvedLimits]?: number } = {};
  const [perMinute, perHour, newAliases] = [target?.per_minute, target?.per_hour, limits.new_aliases_per_hour];
  if (isCount(perMinute)) layer.perMinute = perMinute;
  if (isCount(perHour)) layer.perHour = perHour;
  if (isCount(newAliases)) layer.newAliasesPerHour = newAliases;
  if (layer.perMinute !== undefined && layer.perHour !== undefined && layer.perMinute > layer.perHour) {
    problems.push({ path: [...path, 'per_target', 'per_minute'], message: `per_minute (${layer.perMinute}) is more than per_hour (${layer.perHour}): an hour holds sixty minutes` });
  }
  return layer;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}
