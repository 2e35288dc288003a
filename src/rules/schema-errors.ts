import type { ErrorObject } from 'ajv';
import type { PathProblem } from './positions.js';
import { validateFile } from '../generated/rules-validator.js';

/** Structural problems in the parsed YAML data, each with the path of the offending node. */
export function structuralProblems(data: unknown): PathProblem[] {
  if (validateFile(data)) return [];
  return collapseUnions(validateFile.errors ?? []).map(toProblem);
}

/**
 * With allErrors, a failed union reports every branch. Keep only what helps: if exactly one branch has
 * the value's type (e.g. the mapping form of a user), its errors are the real ones; if none does,
 * the union's own description says what was expected. Outer unions are resolved before inner ones.
 */
function collapseUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dropped.has(union)) continue;
    // The same union schema applies at many places (every user), so a branch error must match both paths.
    const prefix = `${union.schemaPath}/`;
    const inside = (e: ErrorObject) => e.instancePath === union.instancePath || e.instancePath.startsWith(`${union.instancePath}/`);
    const inBranches = errors.filter((e) => e.schemaPath.startsWith(prefix) && inside(e) && !dropped.has(e));
    const branchOf = (e: ErrorObject) => e.schemaPath.slice(prefix.length).split('/')[0];
    const wrongType = new Set(
      inBranches.filter((e) => e.keyword === 'type' && e.instancePath === union.instancePath).map(branchOf),
    );
    const fitting = new Set(inBranches.map(branchOf).filter((b) => !wrongType.has(b)));
    if (fitting.size === 1) {
      dropped.add(union);
      for (const e of inBranches) if (wrongType.has(branchOf(e))) dropped.add(e);
    } else {
      for (const e of inBranches) dropped.add(e);
    }
  }
  return errors.filter((e) => !dropped.has(e));
}

function toProblem(e: ErrorObject): PathProblem {
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = describePath(path) || 'the file';
  const params: Record<string, unknown> = e.params;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      return { path: [...path, key], atKey: true, message: `unknown key "${key}" in ${where} (expected ${orList(known)})` };
    }
    case 'required':
      return { path, message: `${where}: missing required key "${String(params.missingProperty)}"` };
    case 'type':
      return { path, message: `${where} must be ${typeName(String(params.type))}` };
    case 'minItems':
      return { path, message: `${where} must not be empty` };
    case 'minLength':
      return { path, message: `${where} must not be an empty string` };
    case 'minimum':
      return { path, message: `${where} must be at least ${String(params.limit)}` };
    case 'maximum':
      return { path, message: `${where} must be at most ${String(params.limit)}` };
    case 'const':
      return { path, message: `${where} must be true (to not reject, remove the key)` };
    case 'pattern':
      return { path, message: `${where} must be ${String(e.parentSchema?.description ?? `like ${String(params.pattern)}`)}` };
    case 'anyOf':
      return { path, message: `${where} must be ${String(e.parentSchema?.description ?? 'something else')}` };
    default:
      return { path, message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

/** `rules[2].to`, `users.partner` — how a person would name the node. */
export function describePath(path: readonly (string | number)[]): string {
  return path.map((s, i) => (/^\d+$/.test(String(s)) ? `[${s}]` : i === 0 ? `${s}` : `.${s}`)).join('');
}

function typeName(type: string): string {
  const names: Record<string, string> = { string: 'a string', array: 'a list', object: 'a mapping', boolean: 'true or false', number: 'a number', integer: 'a whole number' };
  return names[type] ?? type;
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
