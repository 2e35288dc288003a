import { SCAN_PAGE } from '../store/inventory-scan.js';
import type { RouteDecision } from '../rules/types.js';
import { MAX_INVENTORY_ALIASES, type AliasEntry, type Inventory } from '../store/inventory.js';
import { AdminBadInput } from './errors.js';
import { hasLeaked } from './listing.js';

/** Aliases per page: past the first 500 the page links to the next ones (`?page=2`). */
export const PAGE_SIZE = SCAN_PAGE;
// A filter longer than any address (RFC 5321: 318) cannot match one; it is cut, not refused.
const MAX_FILTER = 320;
const LAST_PAGE = Math.ceil(MAX_INVENTORY_ALIASES / PAGE_SIZE);

/** What the page shows, from its query string: `q` (filter), `leaks=1` (only leaked aliases), `page` (from 1). */
export interface BrowseQuery {
  q: string;
  leaksOnly: boolean;
  page: number;
}

export function browseQuery(query: Readonly<Record<string, string | undefined>>): BrowseQuery {
  const page = query.page === undefined || query.page === '' ? 1 : Number(query.page);
  if (!Number.isInteger(page) || page < 1 || page > LAST_PAGE) throw new AdminBadInput(`page must be a whole number from 1 to ${LAST_PAGE}`);
  return { q: (query.q ?? '').trim().slice(0, MAX_FILTER), leaksOnly: query.leaks === '1', page };
}

/** The query string of the page with these settings (the filter form, the leaks links, the page links). */
export function browseUrl(query: BrowseQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.leaksOnly) params.set('leaks', '1');
  if (query.page > 1) params.set('page', String(query.page));
  const search = params.toString();
  return search ? `/admin?${search}` : '/admin';
}

export interface BrowseResult {
  entries: AliasEntry[];
  /** 1-based position of the first entry among those that match. */
  first: number;
  hasNext: boolean;
}

/** The filter box matches, ignoring case, part of the address, of a target the rules send it to, or of a sender domain. */
export function matchesFilter(entry: AliasEntry, decision: RouteDecision, q: string): boolean {
  const needle = q.toLowerCase();
  const targets = decision.action === 'forward' ? decision.to : [];
  return [entry.address, ...targets, ...entry.senders.map((s) => s.domain)].some((text) => text.toLowerCase().includes(needle));
}

/**
 * One page of the inventory, most recently mailed first. Unfiltered, it is one listing at an offset. Filtered,
 * the inventory is read a page's worth at a time until the asked page is full or the inventory ends: no single
 * read (on Redis, one script that holds the server) is larger than a page, and the whole is bounded by
 * both parts' caps (MAX_INVENTORY_ALIASES). An alias mailed during the scan moves to the front and may be missed by it: a status page may.
 */
export async function browse(inventory: Inventory, route: (address: string) => RouteDecision, query: BrowseQuery): Promise<BrowseResult> {
  const skip = (query.page - 1) * PAGE_SIZE;
  if (!query.q && !query.leaksOnly) {
    const entries = await inventory.list({ limit: PAGE_SIZE + 1, offset: skip });
    return { entries: entries.slice(0, PAGE_SIZE), first: skip + 1, hasNext: entries.length > PAGE_SIZE };
  }
  const keep = (e: AliasEntry) => (!query.leaksOnly || hasLeaked(e)) && (!query.q || matchesFilter(e, route(e.address), query.q));
  const found = new Map<string, AliasEntry>();
  for (let offset = 0; offset < MAX_INVENTORY_ALIASES + PAGE_SIZE && found.size <= skip + PAGE_SIZE; offset += PAGE_SIZE) {
    const chunk = await inventory.list({ limit: PAGE_SIZE, offset });
    for (const entry of chunk) if (keep(entry) && !found.has(entry.address)) found.set(entry.address, entry);
    if (chunk.length < PAGE_SIZE) break;
  }
  const matches = [...found.values()];
  return { entries: matches.slice(skip, skip + PAGE_SIZE), first: skip + 1, hasNext: matches.length > skip + PAGE_SIZE };
}
