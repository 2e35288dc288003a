import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { RouteDecision } from '../rules/types.js';
import { MAX_INVENTORY_ALIASES, type AliasEntry, type Inventory } from '../store/inventory.js';
import { aliasDescription } from './description.js';
import { aliasAddress, checkAlias } from './address.js';
import { browse, browseQuery } from './browse.js';
import { AdminBadInput } from './errors.js';
import { aliasViews, type AliasFactsSource } from './listing.js';
import { confirmedNotice } from './notice.js';
import { adminPage, PAGE_HEADERS, type PageModel } from './page.js';
import type { FloodEvent } from '../store/flood.js';
import { wholeInventory } from '../store/inventory-scan.js';
import { countRefusal, noRefusals, type RefusalCounts } from '../policy/refusals.js';

const DAY = 24 * 3600_000;
import { ADMIN_SCHEMAS } from './schemas.js';

export interface AdminRouteDeps {
  inventory: Inventory;
  /** The relay's domains now (rules.yaml is reloaded while running). */
  domains(): readonly string[];
  /** The current rules' decision for an address (rules.yaml is reloaded while running): the page's Target. */
  route(address: string): RouteDecision;
  clock: Clock;
  sources: readonly AliasFactsSource[];
  formToken: string;
  /** Lines the page shows as warnings (AdminOptions.warnings). */
  warnings(): Promise<readonly string[]>;
  /** The flood guard's recent holds, for the page. */
  floodEvents(): Promise<readonly FloodEvent[]>;
  /** Short lines the page shows above the aliases (a digest not sent, and why). */
  notes(): readonly string[];
  /** Whether a failed forward can be resent: the relay has MAILGUN_API_KEY to fetch Mailgun's stored message with. */
  canResend: boolean;
}

type Action = 'add' | 'block' | 'unblock' | 'forget';

const DEFAULT_LIMIT = 1000;

/** A browser's form post (an HTML form sends urlencoded) is answered with the page; an API call with JSON. */
export const isFormPost = (request: FastifyRequest): boolean => request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true;

/** A field of the body, urlencoded (a form, read by formFields) or JSON. */
export function bodyField(body: unknown, name: string): string | null {
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : null;
}

function limitOf(raw: unknown): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INVENTORY_ALIASES) {
    throw new AdminBadInput(`limit must be a whole number from 1 to ${MAX_INVENTORY_ALIASES}`);
  }
  return limit;
}

/** The admin API (the CLI's) and the page whose forms post to it. */
export function adminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { inventory, clock } = deps;
  const views = (entries: readonly AliasEntry[]) => aliasViews(entries, deps.sources);

  app.get('/aliases', { schema: ADMIN_SCHEMAS.listing }, async (request) => {
    const query = request.query as Record<string, string | undefined>;
    const address = query.address === undefined ? undefined : aliasAddress(query.address, deps.domains());
    const entries = await inventory.list({ limit: limitOf(query.limit), ...(address ? { address } : {}) });
    return { aliases: await views(entries), inventory: await inventory.size() };
  });

  // Read from the whole inventory (bounded by its caps), as the page's filter may: a status page viewed now and then.
  const refusedToday = async (): Promise<RefusalCounts> => {
    const now = clock.now();
    const counts = noRefusals();
    for (const entry of await wholeInventory(inventory)) countRefusal(counts, entry, deps.route(entry.address), now - DAY, now + 1);
    return counts;
  };

  /** The page for this request's query; `add` re-renders the add form as it was refused (`status` 400). */
  const showPage = async (request: FastifyRequest, reply: FastifyReply, notice: string | null, add: PageModel['add'] = null) => {
    const query = browseQuery(add ? {} : (request.query as Record<string, string | undefined>));
    const found = await browse(inventory, deps.route, query);
    const shown = await views(found.entries);
    const rows = shown.map((view) => ({ view, decision: deps.route(view.address) }));
    const page = adminPage({
      rows,
      query,
      first: found.first,
      hasNext: found.hasNext,
      formToken: deps.formToken,
      domains: deps.domains(),
      notice,
      add,
      warnings: await deps.warnings(),
      flood: await deps.floodEvents(),
      refused: await refusedToday(),
      notes: deps.notes(),
      canResend: deps.canResend,
    });
    return reply.code(add ? 400 : 200).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page);
  };

  const act = (action: Action, from: 'path' | 'body') => async (request: FastifyRequest, reply: FastifyReply) => {
    const raw = from === 'path' ? (request.params as { address?: string }).address : bodyField(request.body, 'address');
    const checked = checkAlias(raw?.trim(), deps.domains());
    if (!checked.ok) {
      // The page's add form, refused, comes back filled in as it was typed, with the reason beside it.
      if (from === 'body' && isFormPost(request)) return showPage(request, reply, null, { value: raw ?? '', error: checked.message });
      throw new AdminBadInput(checked.message);
    }
    const { address } = checked;
    const now = clock.now();
    if (action === 'forget') {
      const forgotten = await inventory.forget(address);
      if (isFormPost(request)) return reply.redirect(`/admin?done=forget&address=${encodeURIComponent(address)}`, 303);
      return { address, forgotten };
    }
    const entry = action === 'add' ? await inventory.add(address, now, aliasDescription(request.body)) : await inventory.setBlocked(address, action === 'block', now);
    if (isFormPost(request)) return reply.redirect(`/admin?done=${action}&address=${encodeURIComponent(address)}`, 303);
    return { alias: (await views([entry]))[0] };
  };
  app.post('/aliases', { schema: ADMIN_SCHEMAS.addFromBody }, act('add', 'body'));
  app.post('/aliases/:address', { schema: ADMIN_SCHEMAS.onAddress }, act('add', 'path'));
  app.post('/aliases/:address/block', { schema: ADMIN_SCHEMAS.onAddress }, act('block', 'path'));
  app.post('/aliases/:address/unblock', { schema: ADMIN_SCHEMAS.onAddress }, act('unblock', 'path'));
  // Removes the entry altogether (added, blocked, learned or made through the alias API): its place is free again.
  app.post('/aliases/:address/forget', { schema: ADMIN_SCHEMAS.onAddress }, act('forget', 'path'));

  app.get('/', { schema: ADMIN_SCHEMAS.page }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const notice = await confirmedNotice(query.done, query.address, async (alias) => (await views(await inventory.list({ address: alias, limit: 1 })))[0], deps.domains());
    return showPage(request, reply, notice);
  });
}
