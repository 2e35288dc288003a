import type { Clock } from '../clock.js';
import type { CompiledRules } from '../rules/types.js';
import type { AliasEntry, Inventory } from '../store/inventory.js';
import { localParts } from './local-part.js';

// Names tried before giving up (a site's 99 numbered forms, then random ones): each costs a store read, and a
// rule set that refuses this many names is one that refuses new names.
const MAX_TRIES = 120;

export interface CreateRequest {
  inventory: Inventory;
  rules(): CompiledRules;
  clock: Clock;
  random?: (max: number) => number;
  /** Lower-cased; undefined: the relay's first domain. */
  domain: string | undefined;
  /** One line, fitted (fittedDescription); undefined when none was given. */
  description: string | undefined;
}

export type CreateResult = { ok: true; entry: AliasEntry } | { ok: false; message: string };

/**
 * A new alias: the first local part (localParts) that the rules forward to a target — never one a `reject` rule or
 * no rule would refuse — and that the inventory does not hold yet (learned, added or blocked), added with its
 * description so `new_aliases: reject` accepts it and the leak signal knows it from its first message.
 */
export async function createAlias(request: CreateRequest): Promise<CreateResult> {
  const rules = request.rules();
  const domain = request.domain ?? rules.domains[0];
  if (domain === undefined || !rules.domains.includes(domain)) {
    return { ok: false, message: `${JSON.stringify(String(request.domain).slice(0, 100))} is not one of the relay's domains (${rules.domains.join(', ')})` };
  }
  let tries = 0;
  for (const local of localParts(request.description ?? '', request.random)) {
    if (++tries > MAX_TRIES) break;
    const address = `${local}@${domain}`;
    if (rules.route(address).action !== 'forward') continue;
    const [taken] = await request.inventory.list({ address, limit: 1 });
    if (taken !== undefined) continue;
    return { ok: true, entry: await request.inventory.add(address, request.clock.now(), request.description) };
  }
  return { ok: false, message: `no alias on ${domain} that the rules forward could be found: check rules.yaml routes new names (plus-relay route name@${domain})` };
}
