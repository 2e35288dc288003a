import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { RouteDecision } from '../rules/types.js';
import { InventoryFull, type Inventory } from '../store/inventory.js';
import { StoreUnavailableError, type FloodCounters } from '../store/types.js';
import { adminAuth, formToken, isCrossSite, isFormToken, type AdminCaller } from './auth.js';
import { AdminCrossSite, AdminInventoryFull, AdminStoreUnavailable, AdminUnauthorized } from './errors.js';
import type { AliasFactsSource } from './listing.js';
import { errorPage, PAGE_HEADERS } from './page.js';
import { adminRoutes, bodyField } from './routes.js';
import { contactRoutes } from './contacts.js';
import type { ReplyAddresses } from '../store/reply-addresses.js';
import { resendRoute } from './resend-route.js';
import { importRoute } from './import-route.js';
import type { FailedTokens } from './failed-tokens.js';
import { ADMIN_SCHEMAS, formFields, strictCompiler } from './schemas.js';
import type { ResendDeps } from '../resend/resend.js';

export type { AliasFactsSource, AliasView } from './listing.js';

export interface AdminOptions {
  /** ADMIN_TOKEN. The app registers this plugin only when it is set: otherwise every /admin path is 404. */
  token: string;
  /** Where a refused token is counted, logged and slowed (shared with the alias API). */
  failedTokens?: FailedTokens;
  inventory: Inventory;
  /** Reply addresses, for POST /admin/contacts (absent: the route is not there). */
  replies?: ReplyAddresses;
  domains(): readonly string[];
  /** The current rules' decision for an address (the page shows each alias's target). */
  route(address: string): RouteDecision;
  clock: Clock;
  /** More per-alias fields for the listing and the page (see listing.ts). */
  sources?: readonly AliasFactsSource[];
  /** Lines the page shows as warnings, asked on every view (e.g. targets bounced again and again). */
  warnings?: () => Promise<readonly string[]>;
  /** The flood guard's recent holds (store/flood.ts), for the page. */
  flood?: FloodCounters;
  /** Short lines the page shows above the aliases, asked on every view (the daily digest's runs not sent, and why). */
  notes?: () => readonly string[];
  /** More routes under /admin, behind its token check (the daily digest's GET/POST /admin/digest). */
  routes?: readonly ((admin: FastifyInstance) => void)[];
  /** What resending a failed forward needs (POST /admin/failures/<id>/resend). */
  resend: ResendDeps;
}

// An admin request is an address and a form token at most: anything larger is not one (413). An import
// (import-route.ts) sets its own, larger limit.
const MAX_BODY = 16 * 1024;
const CHALLENGE = 'Basic realm="plus-relay admin", charset="UTF-8"';

/**
 * /admin: the alias inventory (JSON for the CLI, a page for a browser), block and unblock. Every request
 * proves it holds ADMIN_TOKEN (Bearer, or Basic with the token as password so a browser can open the
 * page), checked before the body is read. A change made with Basic credentials — a browser, which sends
 * them on its own, also when another site makes it post — must carry the page's form token and must not
 * come from another origin (CSRF). Bearer cannot be sent cross-site without CORS, which /admin never allows.
 */
export const adminPlugin: FastifyPluginAsync<AdminOptions> = async (app, options) => {
  const auth = adminAuth(options.token);
  const token = formToken(options.token);
  const callers = new WeakMap<FastifyRequest, AdminCaller>();

  // Only what an admin request can be; the relay's own parsers (64 MiB Mailgun bodies) do not apply here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_BODY }, (_request, body, done) => {
    done(null, formFields(String(body)));
  });
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_BODY }, app.getDefaultJsonParser('error', 'error'));

  app.addHook('onRequest', async (request, reply) => {
    const caller = auth(request.headers.authorization);
    if (caller === null) {
      await options.failedTokens?.failed(request.ip, 'admin');
      void reply.header('www-authenticate', CHALLENGE);
      throw new AdminUnauthorized();
    }
    callers.set(request, caller);
  });
  app.addHook('preHandler', async (request) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    if (isCrossSite(request.headers)) throw new AdminCrossSite('refused: the request comes from another site');
    if (callers.get(request) === 'basic' && !isFormToken(bodyField(request.body, 'csrf'), token)) {
      throw new AdminCrossSite("refused: a change with HTTP Basic credentials needs the admin page's form token (API clients send Authorization: Bearer)");
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => answerError(toAdminError(error), request, reply));
  app.setValidatorCompiler(strictCompiler());

  const { flood, clock } = options;
  const floodEvents = async () => (flood ? flood.recent(clock.now()) : []);
  adminRoutes(app, {
    inventory: options.inventory,
    domains: options.domains,
    route: options.route,
    clock,
    sources: options.sources ?? [],
    formToken: token,
    warnings: options.warnings ?? (async () => []),
    floodEvents,
    notes: options.notes ?? (() => []),
    canResend: options.resend.stored !== null,
  });
  importRoute(app, { inventory: options.inventory, domains: options.domains, clock });
  if (options.replies) contactRoutes(app, { replies: options.replies, domains: options.domains, route: options.route });
  for (const routes of options.routes ?? []) routes(app);
  resendRoute(app, options.resend);
};

function toAdminError(error: FastifyError): FastifyError {
  if (error instanceof StoreUnavailableError) return new AdminStoreUnavailable(error.message);
  if (error instanceof InventoryFull) return new AdminInventoryFull(`${error.message}: forget some first (plus-relay alias forget ADDRESS, or Forget on the page)`);
  return error;
}

/** JSON for API clients, a page in the admin page's look for a browser; 5xx details only in the log. */
function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500;
  if (status >= 500 && status !== 503) request.log.error({ err: error }, 'admin request failed');
  const message = status >= 500 && status !== 503 ? 'internal error' : error.message;
  void reply.code(status);
  if (String(request.headers.accept ?? '').includes('text/html')) {
    void reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(errorPage(status, message, status !== 401));
    return;
  }
  void reply.send({ status: 'error', code: error.code, message });
}
