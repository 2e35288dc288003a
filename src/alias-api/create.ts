import type { Clock } from '../clock.js';
import type { CompiledRules } from '../rules/types.js';
import type { AliasEntry, Inventory } from '../store/inventory.js';
import { localParts } from './local-part.js';
import { RESERVED_LOCAL_PARTS } from './reserved.js';
import { aliasId } from './view.js';

// Names tried before giving up (a site's 99 numbered forms, then random ones): each costs a store write, and a
// rule set that refuses this many names is one that refuses new names.
const MAX_TRIES = 120;

export interface CreateRequest {
  inventory: Inventory;
  rules(): CompiledRules;
  clock: Clock;
  random?: (max: number) => number;
  /** The token's user: the alias must reach them and nobody else. */
  user: string;
  /** How many API aliases the user may hold (ALIAS_API_LIMITS). */
  maxPerUser: number;
  /** Lower-cased; undefined: the relay's first domain. */
  domain: string | undefined;
  /** One line, fitted (fittedDescription); undefined when none was given. */
  description: string | undefined;
}

export type CreateResult = { ok: true; entry: AliasEntry } | { ok: false; reason: 'refused' | 'full'; message: string };

/**
 * A new alias: the first local part (localParts) that is no role mailbox (RESERVED_LOCAL_PARTS), that the rules now
 * forward to the token's user and to nobody else — asked of the router the relay routes mail with, never guessed
 * from the name — and that the store lets the user claim (free in the whole inventory, on every instance). Added with
 * its description, so `new_aliases: reject` accepts it and the leak signal knows it from its first message.
 */
export async function createAlias(request: CreateRequest): Promise<CreateResult> {
  const rules = request.rules();
  const domain = request.domain ?? rules.domains[0];
  if (domain === undefined || !rules.domains.includes(domain)) {
    return { ok: false, reason: 'refused', message: `${JSON.stringify(String(request.domain).slice(0, 100))} is not one of the relay's domains (${rules.domains.join(', ')})` };
  }
  let tries = 0;
  for (const local of localParts(request.description ?? '', request.random)) {
    if (++tries > MAX_TRIES) break;
    if (RESERVED_LOCAL_PARTS.has(local)) continue;
    const address = `${local}@${domain}`;
    const decision = rules.route(address);
    if (decision.action !== 'forward' || decision.user !== request.user) continue;
    const claim = { address, id: aliasId(address), user: request.user, at: request.clock.now(), description: request.description, maxPerUser: request.maxPerUser };
    const claimed = await request.inventory.claimApiAlias(claim);
    if (claimed.outcome === 'claimed') return { ok: true, entry: claimed.entry };
    if (claimed.outcome === 'full') {
      return { ok: false, reason: 'full', message: `${request.user} holds ${request.maxPerUser} aliases made through this API: forget some first (plus-relay alias forget ADDRESS)` };
    }
  }
  return {
    ok: false,
    reason: 'refused',
    message: `no alias on ${domain} that the rules forward to ${request.user} alone could be found: check rules.yaml routes new names to them (plus-relay route name@${domain})`,
  };
}
