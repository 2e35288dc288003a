import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import createError from '@fastify/error';
import type { Clock } from '../clock.js';
import type { CompiledRules } from '../rules/types.js';
import { InventoryFull, MAX_INVENTORY_ALIASES, type Inventory } from '../store/inventory.js';
import { StoreUnavailableError } from '../store/types.js';
import { adminAuth } from '../admin/auth.js';
import { fittedDescription } from '../admin/description.js';
import { fields, strictCompiler } from '../admin/schemas.js';
import type { FailedTokens } from '../admin/failed-tokens.js';
import { createAlias } from './create.js';
import { aliasId, apiAlias } from './view.js';

export interface AliasApiOptions {
  /** ALIAS_API_TOKEN. The app registers this plugin only when it is set: otherwise every /api/ path is 404. */
  token: string;
  /** Where a refused token is counted, logged and slowed (shared with /admin). */
  failedTokens?: FailedTokens;
  inventory: Inventory;
  /** The rules now (rules.yaml is reloaded while running): the domains, and where a new alias would go. */
  rules(): CompiledRules;
  clock: Clock;
  /** For the random names; tests pass their own. */
  random?: (max: number) => number;
}

// Errors declared once with their status; addy.io's clients read `message`.
const Unauthenticated = createError('PLUS_RELAY_API_UNAUTHENTICATED', 'Unauthenticated.', 401);
const NotAcceptable = createError<[string]>('PLUS_RELAY_API_NOT_ACCEPTABLE', '%s', 406);
const NotFound = createError('PLUS_RELAY_API_NOT_FOUND', 'No such alias.', 404);
const Unavailable = createError<[string]>('PLUS_RELAY_API_UNAVAILABLE', 'the store cannot answer: %s', 503);
const Full = createError<[string]>('PLUS_RELAY_API_FULL', '%s', 409);

// What a create request may carry: a domain and a description, each one string (a repeated or nested one is a 400),
// and anything else a client sends beside them (addy.io's `format`, …), unread.
const CREATE_SCHEMA = { body: fields(['domain', 'description']) };

// A create request is a domain and a description: anything larger is not one (413).
const MAX_BODY = 8 * 1024;

/**
 * /api/v1/aliases: the part of addy.io's API that password managers use to make an alias (Bitwarden's username
 * generator, the addy.io browser extension). `Authorization: Bearer <ALIAS_API_TOKEN>`, checked before the body is
 * read; a token of its own, apart from ADMIN_TOKEN, because it lives in a password manager on every device and can
 * only add aliases and block them, never unblock or read the mail's senders.
 */
export const aliasApiPlugin: FastifyPluginAsync<AliasApiOptions> = async (app, options) => {
  const auth = adminAuth(options.token);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY }, app.getDefaultJsonParser('error', 'error'));
  app.addHook('onRequest', async (request) => {
    // Bearer only: HTTP Basic is what a browser sends by itself, and this API has no form token against CSRF.
    if (auth(request.headers.authorization) !== 'bearer') {
      await options.failedTokens?.failed(request.ip, 'api');
      throw new Unauthenticated();
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(error, request, reply));
  app.setValidatorCompiler(strictCompiler());

  let creating: Promise<unknown> = Promise.resolve();

  app.post('/aliases', { schema: CREATE_SCHEMA }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const domain = typeof body.domain === 'string' ? body.domain.trim().toLowerCase() : undefined;
    const description = fittedDescription(body.description);
    // One creation at a time in this process: two requests for the same site get github and github-2, not both github.
    const created = creating.then(() => createAlias({ ...options, domain, description }));
    creating = created.catch(() => undefined);
    const result = await created;
    if (result.ok === false) throw new NotAcceptable(result.message);
    return reply.code(201).send({ data: apiAlias(result.entry) });
  });

  // The aliases the API lists and deletes are the operator's (added ones): never more than maxOperatorAliases,
  // but the listing sorts all entries, so ask for all of them.
  const everything = () => options.inventory.list({ limit: MAX_INVENTORY_ALIASES });

  app.get('/aliases', async () => {
    const entries = await everything();
    return { data: entries.filter((e) => e.added !== null).map(apiAlias) };
  });

  app.delete('/aliases/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const entries = await everything();
    const entry = entries.find((e) => e.added !== null && (aliasId(e.address) === id || e.address === id.toLowerCase()));
    if (entry === undefined) throw new NotFound();
    // addy.io deletes; the relay blocks, so a deleted alias's mail is refused (406) instead of reaching a catch-all
    // rule again, and the inventory keeps who wrote to it.
    await options.inventory.setBlocked(entry.address, true, options.clock.now());
    return reply.code(204).send();
  });
};

function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped =
    error instanceof StoreUnavailableError ? new Unavailable(error.message) : error instanceof InventoryFull ? new Full(error.message) : error;
  const status = mapped.statusCode ?? 500;
  if (status >= 500 && status !== 503) request.log.error({ err: mapped }, 'alias API request failed');
  void reply.code(status).send({ message: status >= 500 && status !== 503 ? 'internal error' : mapped.message });
}
