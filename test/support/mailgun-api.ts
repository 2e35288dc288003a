// A loopback stand-in for the Mailgun HTTP API that the real mailgun.js client talks to.
//
//   const api = await startMailgunApi({ key: 'key-test' });
//   t.after(() => api.close());
//   const mg = new Mailgun(FormData).client({ username: 'api', key: api.key, url: api.url, timeout: 500 });
//
// Endpoints (HTTP Basic `api:<key>` required on all; a wrong key gets 401 text/plain `Forbidden` like the real API,
// which mailgun.js surfaces as { status: 401, message: 'Unauthorized', details: 'Forbidden' }):
//   POST   /v3/:domain/messages.mime   to (repeatable), message (file part), o:* h:* v:*  → recorded in `sent`
//   POST   /v3/:domain/messages        from, to, cc, bcc, subject, text, html, h:* o:* v:*, attachment/inline files
//   GET    /v3/routes                  { total_count, items }            (?skip, ?limit)
//   POST   /v3/routes                  priority, description, expression, action (repeatable) → { message, route }
//   GET    /v3/routes/:id              { route }
//   PUT    /v3/routes/:id              { ...route, message: 'Route has been updated' }
//   DELETE /v3/routes/:id              { id, message: 'Route has been deleted' }
//   GET    /v4/domains, /v3/domains    { total_count, items: [{ name, state, … }] }   (from `api.domains`, ?skip, ?limit)
//   GET    /v3/domains/:domain/tracking { tracking }                      (from `api.tracking`, mutable)
//   GET    /v3/domains/:domain/credentials        { total_count, items: [{ login, mailbox, created_at, size_bytes }] }
//   POST   /v3/domains/:domain/credentials        login, password (5–32 characters) → { message }; an existing login → 400
//   PUT    /v3/domains/:domain/credentials/:login password → { message: 'Password changed' }; unknown login → 404
//   GET    /v3/domains/:domain/webhooks  { webhooks: { <id>: { urls } } }  (from `api.webhooks`, mutable)
//   GET    /v3/domains/:domain/webhooks/:id      { webhook: { urls } }, 404 when not set
//   POST   /v3/domains/:domain/webhooks  id, url (repeatable) → { message, webhook }; an id that exists → 400
//   PUT    /v3/domains/:domain/webhooks/:id      url (repeatable) → { message, webhook }; 404 when not set
//   DELETE /v3/domains/:domain/webhooks/:id
//   GET    /v3/:domain/{bounces,complaints,unsubscribes}           { items, paging }  (?limit, ?page=next&address)
//   GET    /v3/:domain/{bounces,complaints,unsubscribes}/:address  the entry, 404 when not listed
//   DELETE /v3/:domain/{bounces,complaints,unsubscribes}/:address  (from `api.suppressions`, mutable)
//   GET    /v3/domains/:domain/messages/:key   stored message: JSON with `body-mime` for Accept: message/rfc2822
//                                             (from `api.stored`, mutable; 404 when unknown). `storageUrl(domain, key)`.
// Sends answer 200 { id: '<2026…@domain>', message: 'Queued. Thank you.' }; missing parameters answer 400
// { message: "'to' parameter is missing" } and the like. `deliveredMime(sent)`: a mime send with its h: headers added,
// as the target receives it.
//
// Faults (see `Fault` in ./mailgun-api/types.ts): `failNext(fault, times = 1)` applies to the next requests of any
// kind; `failWhen(predicate, fault, times = Infinity)` to matching ones (`isSend` matches both send endpoints).
// `sent`, `routes`, `domains`, `credentials`, `suppressions`, `stored`, `calls` and the `webhooks` object are live: assert on
// them, or seed them.
import { STATUS_CODES } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createFaultRules, isSend, type FaultPredicate } from './mailgun-api/faults.js';
import { BODY_LIMIT, readForm } from './mailgun-api/form.js';
import { deliveredMime, sendMessage } from './mailgun-api/messages.js';
import * as routesApi from './mailgun-api/routes.js';
import * as credentialsApi from './mailgun-api/credentials.js';
import * as domainsApi from './mailgun-api/domains.js';
import * as suppressionsApi from './mailgun-api/suppressions.js';
import * as webhooksApi from './mailgun-api/webhooks.js';
import { getStoredMessage } from './mailgun-api/storage.js';
import type { ApiCall, ApiReply, ApiRequest, Credential, Fault, Route, SentMessage, StoredMessage, Suppression, TrackingSettings, Webhooks } from './mailgun-api/types.js';

export { deliveredMime, isSend, type FaultPredicate };
export type * from './mailgun-api/types.js';

export interface MailgunApiOptions {
  /** The private API key clients must present. Default `key-test`. */
  key?: string;
  /** Tracking settings answered for every domain. Default: click, open and unsubscribe all inactive. */
  tracking?: TrackingSettings;
  /** Routes that exist before the first request. */
  routes?: Route[];
  /** SMTP credentials that exist before the first request. */
  credentials?: Credential[];
  /** The account's domains, by name, as the Domains API lists them. Default: none. */
  domains?: string[];
  /** Domain webhooks that exist before the first request. */
  webhooks?: Webhooks;
  /** Suppression list entries that exist before the first request. */
  suppressions?: Suppression[];
}

export interface MailgunApi {
  /** `http://127.0.0.1:<port>`: pass as mailgun.js `url` (without `/v3`). */
  readonly url: string;
  readonly key: string;
  readonly sent: SentMessage[];
  readonly routes: Route[];
  readonly credentials: Credential[];
  readonly domains: string[];
  readonly webhooks: Webhooks;
  readonly suppressions: Suppression[];
  /** Messages in Mailgun's storage (seed them; a resend fetches them). */
  readonly stored: StoredMessage[];
  /** The storage URL Mailgun's events give for a stored message: `<url>/v3/domains/<domain>/messages/<key>`. */
  storageUrl(domain: string, key: string): string;
  tracking: TrackingSettings;
  /** Every request that reached a handler, with how it was answered. */
  readonly calls: ApiCall[];
  /** Number of HTTP requests received, including unknown paths. */
  readonly requests: number;
  failNext(fault: Fault, times?: number): void;
  failWhen(when: FaultPredicate, fault: Fault, times?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

type Handler = (req: ApiRequest, params: Record<string, string>, query: Record<string, string | undefined>) => ApiReply;

export async function startMailgunApi(opts: MailgunApiOptions = {}): Promise<MailgunApi> {
  const key = opts.key ?? 'key-test';
  const sent: SentMessage[] = [];
  const routes: Route[] = [...(opts.routes ?? [])];
  const credentials: Credential[] = [...(opts.credentials ?? [])];
  const domains: string[] = [...(opts.domains ?? [])];
  const webhooks: Webhooks = structuredClone(opts.webhooks ?? {});
  const suppressions: Suppression[] = [...(opts.suppressions ?? [])];
  const stored: StoredMessage[] = [];
  const calls: ApiCall[] = [];
  const faults = createFaultRules();
  const closing = new AbortController();
  let requests = 0;

  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: BODY_LIMIT });
  await app.register(multipart);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, body);
  });
  app.addHook('onRequest', async () => {
    requests += 1;
  });
  app.setErrorHandler(async (err: Error, _req, reply) => reply.code(400).send({ message: err.message }));

  const serve = (handler: Handler) => async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as Record<string, string>;
    const form = await readForm(request);
    const req: ApiRequest = { method: request.method, path: request.url.split('?')[0] ?? '', domain: params.domain ?? null, accept: request.headers.accept ?? null, form };
    const log = (outcome: ApiCall['outcome']) => calls.push({ method: req.method, path: req.path, domain: req.domain, outcome });
    const fault = faults.take(req);

    if (fault?.kind === 'reset' || fault?.kind === 'hang') {
      log(fault.kind);
      reply.hijack();
      const socket = request.raw.socket;
      if (fault.kind === 'reset') socket.resetAndDestroy();
      else if (fault.ms !== undefined) setTimeout(() => socket.destroy(), fault.ms).unref();
      return;
    }
    const answer: ApiReply = fault?.kind === 'status'
      ? { status: fault.status, body: fault.body ?? { message: reasonPhrase(fault.status) } }
      : isAuthorized(request.headers.authorization, key)
        ? handler(req, params, request.query as Record<string, string | undefined>)
        : { status: 401, body: 'Forbidden' };
    // A delayed send is already recorded: like a slow API that accepted the message after the client gave up.
    if (fault?.kind === 'delay') await sleep(fault.ms, undefined, { signal: closing.signal, ref: false }).catch(() => undefined);
    log(answer.status);
    return reply.code(answer.status).send(answer.body);
  };

  app.post('/v3/:domain/messages.mime', serve((req) => sendMessage(req, 'mime', sent)));
  app.post('/v3/:domain/messages', serve((req) => sendMessage(req, 'parsed', sent)));
  app.get('/v3/routes', serve((_req, _params, query) => routesApi.listRoutes(routes, query)));
  app.post('/v3/routes', serve((req) => routesApi.createRoute(routes, req)));
  app.get('/v3/routes/:id', serve((_req, params) => routesApi.getRoute(routes, params.id ?? '')));
  app.put('/v3/routes/:id', serve((req, params) => routesApi.updateRoute(routes, params.id ?? '', req)));
  app.delete('/v3/routes/:id', serve((_req, params) => routesApi.deleteRoute(routes, params.id ?? '')));
  app.get('/v3/domains/:domain/credentials', serve((req, _params, query) => credentialsApi.listCredentials(credentials, req.domain ?? '', query)));
  app.post('/v3/domains/:domain/credentials', serve((req) => credentialsApi.createCredential(credentials, req)));
  app.put('/v3/domains/:domain/credentials/:login', serve((req, params) => credentialsApi.updateCredential(credentials, req, params.login ?? '')));
  for (const path of ['/v4/domains', '/v3/domains']) app.get(path, serve((_req, _params, query) => domainsApi.listDomains(domains, query)));
  app.get('/v3/domains/:domain/tracking', serve(() => domainsApi.getTracking(api.tracking)));
  app.get('/v3/domains/:domain/webhooks', serve((req) => webhooksApi.listWebhooks(webhooks, req.domain ?? '')));
  app.get('/v3/domains/:domain/webhooks/:id', serve((req, params) => webhooksApi.getWebhook(webhooks, req.domain ?? '', params.id ?? '')));
  app.post('/v3/domains/:domain/webhooks', serve((req) => webhooksApi.createWebhook(webhooks, req)));
  app.put('/v3/domains/:domain/webhooks/:id', serve((req, params) => webhooksApi.updateWebhook(webhooks, req, params.id ?? '')));
  app.delete('/v3/domains/:domain/webhooks/:id', serve((req, params) => webhooksApi.deleteWebhook(webhooks, req.domain ?? '', params.id ?? '')));
  for (const list of ['bounces', 'complaints', 'unsubscribes'] as const) {
    app.get(`/v3/:domain/${list}`, serve((req, _params, query) => suppressionsApi.listSuppressions(suppressions, api.url, req.domain ?? '', list, query)));
    app.get(`/v3/:domain/${list}/:address`, serve((req, params) => suppressionsApi.getSuppression(suppressions, req.domain ?? '', list, params.address ?? '')));
    app.delete(`/v3/:domain/${list}/:address`, serve((req, params) => suppressionsApi.deleteSuppression(suppressions, req.domain ?? '', list, params.address ?? '')));
  }

  app.get('/v3/domains/:domain/messages/:key', serve((req, params) => getStoredMessage(stored, req, params.key ?? '')));

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const api: MailgunApi = {
    url: address,
    key,
    sent,
    routes,
    credentials,
    domains,
    webhooks,
    suppressions,
    stored,
    storageUrl: (domain, key) => `${address}/v3/domains/${domain}/messages/${key}`,
    calls,
    tracking: opts.tracking ?? domainsApi.defaultTracking(),
    get requests() {
      return requests;
    },
    failNext: (fault, times = 1) => faults.add(fault, times, () => true),
    failWhen: (when, fault, times = Infinity) => faults.add(fault, times, when),
    clearFaults: () => faults.clear(),
    close: async () => {
      closing.abort();
      await app.close();
    },
  };
  return api;
}

function isAuthorized(header: string | undefined, key: string): boolean {
  const [scheme, encoded] = (header ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return false;
  return Buffer.from(encoded, 'base64').toString('utf8') === `api:${key}`;
}

// Mailgun answers errors with JSON `{ message }`; the default message is the reason phrase.
function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? `HTTP ${status}`;
}
