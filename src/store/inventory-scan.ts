import { MAX_INVENTORY_ALIASES, type AliasEntry, type Inventory } from './inventory.js';

/** Aliases per read of a whole-inventory scan (the admin page's filter reads pages of the same size). */
export const SCAN_PAGE = 500;

/**
 * Every alias, read a page at a time: one Redis script never holds the server for more than a page. An alias that
 * moves up between two pages (it was just mailed) is read twice and kept once. Bounded by the inventory's caps.
 */
export async function wholeInventory(inventory: Inventory): Promise<AliasEntry[]> {
  const found = new Map<string, AliasEntry>();
  for (let offset = 0; offset < MAX_INVENTORY_ALIASES; offset += SCAN_PAGE) {
    const page = await inventory.list({ limit: SCAN_PAGE, offset });
    for (const entry of page) if (!found.has(entry.address)) found.set(entry.address, entry);
    if (page.length < SCAN_PAGE) break;
  }
  return [...found.values()];
}
