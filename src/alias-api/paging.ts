import { PAGE_SIZE } from './limits.js';

/** A page as addy.io's listing asks for it: `page[size]` (1–100) and `page[number]` (from 1). */
export interface PageRequest {
  size: number;
  number: number;
}

// Beyond any user's cap of aliases: a larger number is no page, and must not become a huge OFFSET.
const MAX_PAGE_NUMBER = 1_000_000;

/** The query's page, or a message saying which field is wrong (addy.io answers that 422). */
export function pageRequest(query: Record<string, unknown>): PageRequest | string {
  const size = whole(query['page[size]'], PAGE_SIZE.default, PAGE_SIZE.max);
  if (size === null) return `page[size] must be a whole number from 1 to ${PAGE_SIZE.max}`;
  const number = whole(query['page[number]'], 1, MAX_PAGE_NUMBER);
  if (number === null) return 'page[number] must be a whole number from 1';
  return { size, number };
}

function whole(raw: unknown, fallback: number, max: number): number | null {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,7}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= max ? n : null;
}

/** addy.io's (Laravel's) `links` and `meta` beside `data`: where the other pages are, and how many there are. */
export function pageLinks(path: string, page: PageRequest, shown: number, total: number) {
  const last = Math.max(1, Math.ceil(total / page.size));
  const url = (n: number) => `${path}?page%5Bsize%5D=${page.size}&page%5Bnumber%5D=${n}`;
  const from = shown === 0 ? null : (page.number - 1) * page.size + 1;
  return {
    links: { first: url(1), last: url(last), prev: page.number > 1 ? url(Math.min(page.number - 1, last)) : null, next: page.number < last ? url(page.number + 1) : null },
    meta: { current_page: page.number, from, last_page: last, path, per_page: page.size, to: from === null ? null : from + shown - 1, total },
  };
}
