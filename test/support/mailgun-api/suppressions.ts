// Suppression lists (bounces, complaints, unsubscribes) of a sending domain. GET one address (404 when absent),
// DELETE it, or list them in pages: `?limit=N`, then the `paging.next` URL (`?page=next&address=<last>&limit=N`),
// which mailgun.js follows with `suppressions.list(domain, list, { page })`.
import type { ApiReply, Suppression, SuppressionListName } from './types.js';

function item(entry: Suppression): Record<string, unknown> {
  const { domain: _domain, list, ...rest } = entry;
  // Only bounces carry a code and an error; complaints and unsubscribes are an address and a date.
  return list === 'bounces' ? rest : { address: rest.address, created_at: rest.created_at };
}

const find = (all: Suppression[], domain: string, list: SuppressionListName, address: string) =>
  all.findIndex((s) => s.domain === domain && s.list === list && s.address.toLowerCase() === address.toLowerCase());

export function getSuppression(all: Suppression[], domain: string, list: SuppressionListName, address: string): ApiReply {
  const at = find(all, domain, list, address);
  const entry = all[at];
  return entry ? { status: 200, body: item(entry) } : { status: 404, body: { message: `Address not found in ${list} table` } };
}

export function deleteSuppression(all: Suppression[], domain: string, list: SuppressionListName, address: string): ApiReply {
  const at = find(all, domain, list, address);
  if (at < 0) return { status: 404, body: { message: `Address not found in ${list} table` } };
  all.splice(at, 1);
  return { status: 200, body: { message: `Address has been removed from ${list}`, address } };
}

export function listSuppressions(all: Suppression[], base: string, domain: string, list: SuppressionListName, query: Record<string, string | undefined>): ApiReply {
  const limit = Math.min(Number(query.limit ?? 100) || 100, 1000);
  const mine = all.filter((s) => s.domain === domain && s.list === list);
  const after = query.page === 'next' && query.address ? mine.findIndex((s) => s.address === query.address) + 1 : 0;
  const page = mine.slice(after, after + limit);
  const url = (params: string) => `${base}/v3/${domain}/${list}?${params}&limit=${limit}`;
  const last = page.at(-1)?.address ?? query.address ?? '';
  return {
    status: 200,
    body: {
      items: page.map(item),
      paging: {
        first: url('page=first'),
        last: url('page=last'),
        next: url(`page=next&address=${encodeURIComponent(last)}`),
        previous: url(`page=previous&address=${encodeURIComponent(page[0]?.address ?? '')}`),
      },
    },
  };
}
