// How Mailgun's v3/v4 listings page: `?skip` and `?limit` over the whole list, `{ total_count, items }`.
import type { ApiReply } from './types.js';

export function paged(items: readonly unknown[], query: Record<string, string | undefined>): ApiReply {
  const skip = Number(query.skip ?? 0);
  const limit = Number(query.limit ?? 100);
  return { status: 200, body: { total_count: items.length, items: items.slice(skip, skip + limit) } };
}
