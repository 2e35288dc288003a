import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { INVENTORY_LIMITS, type Inventory } from '../store/inventory.js';
import { checkAlias } from './address.js';
import { AdminBadInput, AdminImportTooLarge } from './errors.js';

/** The most addresses one import takes: the whole imported part at once, so any import that can fit fits in one call. */
export const MAX_IMPORT_ALIASES = INVENTORY_LIMITS.maxImportedAliases;
// That many addresses of RFC 5321's longest, quoted, with commas: what the JSON of the largest import can weigh.
const MAX_IMPORT_BODY = MAX_IMPORT_ALIASES * 330 + 1024;

/** The error's prefix that names an entry of the batch; the CLI turns it back into the file's line. */
export const entryLabel = (index: number): string => `aliases[${index}]`;

/**
 * POST /admin/aliases/import {"aliases": [address, …]}: aliases brought from another service, made known in one
 * call (`plus-relay alias import`). All or none: one address that is not an alias of the relay's domains, or a batch
 * that does not fit, and nothing is imported, so a corrected file can simply be sent again.
 */
export function importRoute(app: FastifyInstance, deps: { inventory: Inventory; domains(): readonly string[]; clock: Clock }): void {
  app.post('/aliases/import', { bodyLimit: MAX_IMPORT_BODY }, async (request) => {
    const given = (request.body as { aliases?: unknown } | null)?.aliases;
    if (!Array.isArray(given) || given.length === 0) throw new AdminBadInput('send {"aliases": ["alias@your-domain", …]}: one address or more');
    if (given.length > MAX_IMPORT_ALIASES) {
      throw new AdminImportTooLarge(`at most ${MAX_IMPORT_ALIASES} aliases in one import (this one has ${given.length})`);
    }
    const domains = deps.domains();
    const addresses = new Set<string>();
    for (const [i, raw] of given.entries()) {
      const checked = checkAlias(typeof raw === 'string' ? raw.trim() : raw, domains);
      if (!checked.ok) throw new AdminBadInput(`${entryLabel(i)}: ${checked.message}`);
      addresses.add(checked.address);
    }
    const result = await deps.inventory.importAliases([...addresses], deps.clock.now());
    return { ...result, inventory: await deps.inventory.size() };
  });
}
