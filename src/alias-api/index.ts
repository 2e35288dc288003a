import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import createError from '@fastify/error';
import type { Clock } from '../clock.js';
import type { CompiledRules } from '../rules/types.js';
import type { ApiAliasKey, Inventory } from '../store/inventory.js';
import { windowOf, type Budget, type FloodCounters } from '../store/flood.js';
import { StoreUnavailableError } from '../store/types.js';
import { fittedDescription } from '../admin/description.js';
import { fields, strictCompiler } from '../admin/schemas.js';
import type { FailedTokens } from '../admin/failed-tokens.js';
import { createAlias } from './create.js';
import { ALIAS_API_LIMITS, type AliasApiLimits } from './limits.js';
import { tokenOwner, type AliasApiTokens } from './owners.js';
import { pageLinks, pageRequest } from './paging.js';
import { apiAlias } from './view.js';

export interface AliasApiOptions {
  /** ALIAS_API_TOKEN (with ALIAS_API_USER) and the users' own. The app registers this plugin only when one is set. */
  tokens: AliasApiTokens;
  /** Where a refused token is counted, logged and slowed (shared with /admin). */
  failedTokens?: FailedTokens;
  inventory: Inventory;
  /** The store's windowed counters (the flood guard's): the creation rates, shared by every instance. */
  counters: FloodCounters;
  /** The rules now (rules.yaml is reloaded while running): the domains, the users, and where a new alias would go. */
  rules(): CompiledRules;
  clock: Clock;
  limits?: AliasApiLimits;
  /** For the random names; tests pass their own. */
  random?: (max: number) => number;
}

// Errors declared once with their status; addy.io's clients read `message`.
const Unauthenticated = createError('PLUS_RELAY_API_UNAUTHENTICATED', 'Unauthenticated.', 401);
const Forbidden = createError<[string]>('PLUS_RELAY_API_FORBIDDEN', '%s', 403);
const NotAcceptable = createError<[string]>('PLUS_RELAY_API_NOT_ACCEPTABLE', '%s', 406);
const NotFound = createError('PLUS_RELAY_API_NOT_FOUND', 'No such alias.', 404);
const Invalid = createError<[string]>('PLUS_RELAY_API_INVALID', '%s', 422);
const TooMany = createError<[string]>('PLUS_RELAY_API_TOO_MANY', '%s', 429);
const Unavailable = createError<[string]>('PLUS_RELAY_API_UNAVAILABLE', 'the store cannot answer: %s', 503);

// What a create request may carry: a domain and a description, each one string (a repeated or nested one is a 400),
// and anything else a client sends beside them (addy.io's `format`, …), unread.
const CREATE_SCHEMA = { body: fields(['domain', 'description']) };

// A create request is a domain and a description: anything larger is not one (413).
const MAX_BODY = 8 * 1024;
// A full cap frees only when the operator forgets aliases: a client is told to come back in a day, not hammer it.
const FULL_RETRY_AFTER_S = 24 * 3600;

/**
 * /api/v1/aliases: the part of addy.io's API that password managers use to make an alias (Bitwarden's username
 * generator, the addy.io browser extension). `Authorization: Bearer <token>`, checked before the body is read. A token
 * belongs to one user and sees only the aliases made with that user's token: it makes aliases that reach that user
 * alone, lists them, and blocks them; never another user's, never the operator's, never unblocking, never senders.
 */
export const aliasApiPlugin: FastifyPluginAsync<AliasApiOptions> = async (app, options) => {
  const limits = options.limits ?? ALIAS_API_LIMITS;
  const users = new WeakMap<FastifyRequest, string>();
  const userOf = (request: FastifyRequest): string => users.get(request) ?? '';
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY }, app.getDefaultJsonParser('error', 'error'));
  app.addHook('onRequest', async (request) => {
    const owner = tokenOwner(options.tokens, options.rules().users, request.headers.authorization);
    if (owner === null) {
      await options.failedTokens?.failed(request.ip, 'api');
      throw new Unauthenticated();
    }
    if (!owner.known) throw new Forbidden(`the token's user ${JSON.stringify(owner.user)} is not under users: in rules.yaml`);
    users.set(request, owner.user);
  });
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, request, reply));
  app.setValidatorCompiler(strictCompiler());

  app.post('/aliases', { schema: CREATE_SCHEMA }, async (request, reply) => {
    const user = userOf(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const domain = typeof body.domain === 'string' ? body.domain.trim().toLowerCase() : undefined;
    const description = fittedDescription(body.description);
    const now = options.clock.now();
    const budgets: Budget[] = [
      { key: `alias-api:${user}:minute`, windowMs: 60_000, limit: limits.perMinute },
      { key: `alias-api:${user}:day`, windowMs: 24 * 3600_000, limit: limits.perDay },
    ];
    const taken = await options.counters.take(budgets, now);
    if ('full' in taken) {
      void reply.header('retry-after', String(Math.max(1, Math.ceil((windowOf(taken.full, now).endsAt - now) / 1000))));
      throw new TooMany(`Too Many Attempts: at most ${taken.full.limit} aliases per ${taken.full.windowMs === 60_000 ? 'minute' : 'day'} for ${user}`);
    }
    const result = await createAlias({ ...options, user, maxPerUser: limits.maxAliasesPerUser, domain, description });
    if (result.ok) return reply.code(201).send({ data: apiAlias(result.entry) });
    if (result.reason === 'full') {
      void reply.header('retry-after', String(FULL_RETRY_AFTER_S));
      throw new TooMany(result.message);
    }
    throw new NotAcceptable(result.message);
  });

  // Only the token's user's aliases, a page at a time: the work does not grow with the inventory.
  app.get('/aliases', async (request) => {
    const page = pageRequest(request.query as Record<string, unknown>);
    if (typeof page === 'string') throw new Invalid(page);
    const found = await options.inventory.listApiAliases(userOf(request), page.size, (page.number - 1) * page.size);
    const path = `${request.protocol}://${request.host}${request.url.split('?')[0] ?? ''}`;
    return { data: found.entries.map(apiAlias), ...pageLinks(path, page, found.entries.length, found.total) };
  });

  app.delete('/aliases/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const key: ApiAliasKey = id.includes('@') ? { address: id.toLowerCase() } : { id: id.toLowerCase() };
    // addy.io deletes; the relay blocks, so a deleted alias's mail is refused (406) instead of reaching a catch-all
    // rule again, and the inventory keeps who wrote to it.
    const blocked = await options.inventory.blockApiAlias(userOf(request), key, options.clock.now());
    if (blocked === null) throw new NotFound();
    return reply.code(204).send();
  });
};

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = error instanceof StoreUnavailableError ? new Unavailable(error.message) : error;
  const status = mapped.statusCode ?? 500;
  if (status >= 500 && status !== 503) request.log.error({ err: mapped }, 'alias API request failed');
  void reply.code(status).send({ message: status >= 500 && status !== 503 ? 'internal error' : mapped.message });
}
