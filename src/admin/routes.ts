import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { INVENTORY_LIMITS, type AliasEntry, type Inventory } from '../store/inventory.js';
import { aliasAddress } from './address.js';
import { AdminBadInput } from './errors.js';
import { aliasViews, hasLeaked, type AliasFactsSource } from './listing.js';
import { adminPage, PAGE_HEADERS } from './page.js';
import type { FloodEvent } from '../store/flood.js';

export interface AdminRouteDeps {
  inventory: Inventory;
  /** The relay's domains now (rules.yaml is reloaded while running). */
  domains(): readonly string[];
  clock: Clock;
  sources: readonly AliasFactsSource[];
  formToken: string;
  /** The flood guard's recent holds, for the page. */
  floodEvents(): Promise<readonly FloodEvent[]>;
}

type Action = 'add' | 'block' | 'unblock';

const DEFAULT_LIMIT = 1000;
const PAGE_LIMIT = 500;

const NOTICES: Record<Action, (address: string) => string> = {
  add: (a) => `Added ${a}: it receives mail even with new_aliases: reject.`,
  block: (a) => `Blocked ${a}: its mail is refused (406, nothing sent) from the next message on.`,
  unblock: (a) => `Unblocked ${a}: it receives mail again.`,
};

/** A browser's form post (an HTML form sends urlencoded) is answered with the page; an API call with JSON. */
export const isFormPost = (request: FastifyRequest): boolean => request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true;

/** A field of the body, urlencoded (a form) or JSON. */
export function bodyField(body: unknown, name: string): string | null {
  if (body instanceof URLSearchParams) return body.get(name);
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : null;
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > INVENTORY_LIMITS.maxAliases) {
    throw new AdminBadInput(`limit must be a whole number from 1 to ${INVENTORY_LIMITS.maxAliases}`);
  }
  return limit;
}

/** The admin API (the CLI's) and the page whose forms post to it. */
export function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { inventory, clock } = deps;
  const views = (entries: readonly AliasEntry[]) => aliasViews(entries, deps.sources);

  app.get('/aliases', async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const address = query.address === undefined ? undefined : aliasAddress(query.address, deps.domains());
    const entries = await inventory.list({ limit: limitOf(query.limit), ...(address ? { address } : {}) });
    return { aliases: await views(entries) };
  });

  const act = (action: Action, from: 'path' | 'body') => async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = from === 'path' ? (request.params as { address?: string }).address : bodyField(request.body, 'address');
    const address = aliasAddress(raw?.trim(), deps.domains());
    const now = clock.now();
    const entry = action === 'add' ? await inventory.add(address, now) : await inventory.setBlocked(address, action === 'block', now);
    if (isFormPost(request)) return reply.redirect(`/admin?done=${action}&address=${encodeURIComponent(address)}`, 303);
    return { alias: (await views([entry]))[0] };
  };
  app.post('/aliases', act('add', 'body'));
  app.post('/aliases/:address', act('add', 'path'));
  app.post('/aliases/:address/block', act('block', 'path'));
  app.post('/aliases/:address/unblock', act('unblock', 'path'));

  app.get('/', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const all = await views(await inventory.list({ limit: PAGE_LIMIT }));
    const leaksOnly = query.leaks === '1';
    const done = query.done as Action | undefined;
    const notice = done && done in NOTICES && query.address ? NOTICES[done](query.address.slice(0, 320)) : null;
    const flood = await deps.floodEvents();
    const page = adminPage({ views: leaksOnly ? all.filter(hasLeaked) : all, total: all.length, leaksOnly, formToken: deps.formToken, domains: deps.domains(), notice, flood });
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page);
  });
}
