import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { sendingDomain, type Config } from './config.js';
import type { AliasApiLimits } from './alias-api/limits.js';
import { systemClock, type Clock } from './clock.js';
import type { CompiledRules } from './rules/types.js';
import { watchRules } from './rules/watch.js';
import { formatProblem } from './rules/errors.js';
import type { Transport } from './forward/types.js';
import type { DmarcCheck } from './forward/dmarc.js';
import { limitSends } from './forward/limit.js';
import type { Store } from './store/types.js';
import { inboundRoutes } from './inbound-route/routes.js';
import { createBodyBudget } from './inbound/budget.js';
import { errorHandler } from './error-handler.js';
import type { DeliveryDeps, DeliveryResult } from './deliver.js';
import { exactlyOncePolicy } from './exactly-once.js';
import { createEventMetrics, createRelayMetrics, createTokenMetrics, instrumentTransport, metricsRoutes } from './metrics/index.js';
import { failedTokens } from './admin/failed-tokens.js';
import { ADMIN_SCHEMAS } from './admin/schemas.js';
import { eventRoutes } from './events/routes.js';
import type { EventResult } from './events/handle-event.js';
import type { Suppressions } from './events/suppressions.js';
import type { AliasFactsSource } from './admin/index.js';
import { failureFacts } from './admin/alias-facts.js';
import { repeatedBounceLine, REPEATED_BOUNCES_SHOWN } from './events/bounce-warning.js';
import { floodGuard } from './flood/budget.js';
import { floodNotices } from './flood/notices.js';
import { createDigest, digestRoutes } from './digest/index.js';
import type { FloodHolds } from './digest/collect.js';
import type { StoredMessages } from './resend/stored-messages.js';

export interface AppDeps {
  rules: CompiledRules;
  transport: Transport;
  /** Raw mode's DKIM/DMARC check (built from DNS_SERVERS in main.ts). */
  dmarc: DmarcCheck;
  store: Store;
  clock?: Clock;
  /** Called after every delivery (metrics hang here). */
  onDelivery?: (result: DeliveryResult, durationMs: number) => void;
  /** The sending domain's bounce list, to free rule targets a refusal put there; absent in outbox mode. */
  suppressions?: Suppressions;
  /** Called after every event webhook post. */
  onEvent?: (result: EventResult, durationMs: number) => void;
  /** More per-alias fields for /admin's listing and page. */
  aliasSources?: readonly AliasFactsSource[];
  /** The flood guard's holds for the daily digest (digest/collect.ts); `store.flood` unless a test passes its own. */
  floodHolds?: FloodHolds;
  /** Mailgun's stored messages, for resending a failed forward; absent in outbox mode. */
  storedMessages?: StoredMessages;
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Watch this rules file and swap in valid edits (off in most tests). */
  watchRulesFile?: string;
  watchIntervalMs?: number;
  /** Smaller caps and rates for the alias API (tests); production uses ALIAS_API_LIMITS. */
  aliasApiLimits?: AliasApiLimits;
}

// Limits the multipart reader enforces; Mailgun sends tens of fields and a handful of files.
const MAX_FIELDS = 1000;
const MAX_FILES = 100;
// A client gets this long to send its request line and headers (Node's default is 60 s); Mailgun sends them at once.
const HEADERS_TIMEOUT_MS = 30_000;

export async function buildApp(config: Config, deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { env } = config;
  const clock = deps.clock ?? systemClock;
  const app = Fastify({
    logger: options.logger ?? false,
    // One line per delivery is logged by the route itself; per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: env.MAX_BODY_BYTES,
    return503OnClosing: true,
    genReqId: () => randomUUID(),
    // Node answers 408 and closes the connection of a request whose body has not arrived in time (the
    // server that main.ts listens on, not app.inject). It looks once per connectionsCheckingInterval,
    // every 30 s by default: a 120 s limit could stretch to 150 s.
    requestTimeout: env.REQUEST_TIMEOUT_MS,
    http: {
      requestTimeout: env.REQUEST_TIMEOUT_MS,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, env.REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(1000, env.REQUEST_TIMEOUT_MS / 4),
    },
    // An address in an /admin path can be 318 characters, percent-encoded up to three times that.
    routerOptions: { maxParamLength: 1024 },
  });
  app.setErrorHandler(errorHandler);

  // While closing, in-flight answers end their connection: otherwise a client's keep-alive socket
  // (idle only after close() began) would hold the shutdown open until its timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });

  const metrics = createRelayMetrics({ blockedAliases: () => deps.store.inventory.blockedCount() });
  let rules = deps.rules;
  if (options.watchRulesFile) {
    const watcher = watchRules(options.watchRulesFile, rules, {
      onReload(next) {
        rules = next;
        metrics.rulesReload(true);
        app.log.info({ rules: next.ruleCount, users: next.userCount, domains: next.domains }, 'rules reloaded');
      },
      onError(err) {
        metrics.rulesReload(false);
        app.log.error({ problems: err.problems.length }, 'rules file invalid; still serving the last good rules');
        // Each problem a line of its own, as `plus-relay check` prints it: file:line:col: what is wrong.
        for (const problem of err.problems) app.log.error(formatProblem(problem));
      },
    }, options.watchIntervalMs);
    app.addHook('onClose', async () => watcher.close());
  }

  // One signature policy for route posts and event webhooks: same keys, same window (Mailgun's 8 h of retries).
  const signature = { keys: config.signingKeys, maxAgeSeconds: env.MAILGUN_MAX_SIGNATURE_AGE, maxFutureSeconds: 300 };
  const delivery: DeliveryDeps = {
    rules: () => rules,
    transport: limitSends(instrumentTransport(deps.transport, metrics), {
      concurrency: env.MAX_CONCURRENT_SENDS,
      maxWaitMs: env.MAILGUN_TIMEOUT_MS,
      maxQueue: 4 * env.MAX_CONCURRENT_SENDS,
    }),
    dmarc: deps.dmarc,
    ledger: deps.store.ledger,
    inventory: deps.store.inventory,
    clock,
    sendingDomain: sendingDomain(env, rules.domains),
    relayId: env.RELAY_ID ?? sendingDomain(env, rules.domains),
    exactlyOnce: exactlyOncePolicy(env),
    flood: floodGuard(deps.store.flood, clock),
    replies: deps.store.replies,
  };
  const floodWarning = floodNotices(clock, (fields, msg) => app.log.warn(fields, msg));
  await app.register(inboundRoutes, {
    delivery,
    signature,
    budget: createBodyBudget(env.MAX_INFLIGHT_BYTES),
    limits: { maxBytes: env.MAX_BODY_BYTES, maxFields: MAX_FIELDS, maxFiles: MAX_FILES },
    onDelivery(result, ms) {
      metrics.delivery(result, ms);
      if (result.flood) floodWarning(result.flood);
      deps.onDelivery?.(result, ms);
    },
  });

  const eventMetrics = createEventMetrics(metrics.registry);
  await app.register(eventRoutes, {
    deps: {
      ledger: deps.store.ledger,
      failures: deps.store.failures,
      bounces: deps.store.bounces,
      clock,
      signature,
      exactlyOnce: delivery.exactlyOnce,
      rules: delivery.rules,
      suppressions: deps.suppressions ?? null,
    },
    onEvent(result, ms) {
      eventMetrics.event(result);
      deps.onEvent?.(result, ms);
    },
  });

  // The daily digest goes through the relay's own transport (not the forwards' queue or their metrics).
  const digest = createDigest({
    store: deps.store,
    rules: delivery.rules,
    transport: deps.transport,
    clock,
    sendingDomain: delivery.sendingDomain,
    relayId: delivery.relayId,
    claimTtlMs: delivery.exactlyOnce.claimTtlMs,
    log: app.log,
    // The flood guard's holds, as the admin page shows them (a test may pass its own).
    flood: deps.floodHolds ?? deps.store.flood,
  });
  const digestTimer = digest.schedule();
  app.addHook('onClose', async () => digestTimer.close());

  await app.register(metricsRoutes, { metrics, token: env.METRICS_TOKEN });
  // One record of refused tokens for /admin and /api: a guesser is slowed and counted wherever it guesses.
  const tokenMetrics = createTokenMetrics(metrics.registry);
  const refusedTokens = failedTokens({ clock, warn: (fields, msg) => app.log.warn(fields, msg), count: tokenMetrics.refused });
  // The admin page and API (with resend) and the alias API load only when their token is set: a relay without them
  // does not pay for their modules at every start.
  if (env.ADMIN_TOKEN) {
    const { adminPlugin } = await import('./admin/index.js');
    await app.register(adminPlugin, {
      prefix: '/admin',
      token: env.ADMIN_TOKEN,
      failedTokens: refusedTokens,
      inventory: deps.store.inventory,
      replies: deps.store.replies,
      domains: () => rules.domains,
      route: (address) => rules.route(address),
      clock,
      sources: [failureFacts(deps.store.failures), ...(deps.aliasSources ?? [])],
      warnings: async () => (await deps.store.bounces.repeated(REPEATED_BOUNCES_SHOWN)).map(repeatedBounceLine),
      flood: deps.store.flood,
      notes: () => digest.notes(),
      routes: [(admin) => digestRoutes(admin, digest, () => rules.digest !== undefined, ADMIN_SCHEMAS.form)],
      resend: {
        failures: deps.store.failures,
        ledger: deps.store.ledger,
        transport: delivery.transport,
        stored: deps.storedMessages ?? null,
        rules: delivery.rules,
        clock,
        relayId: delivery.relayId,
        claimTtlMs: delivery.exactlyOnce.claimTtlMs,
      },
    });
  }
  if (env.ALIAS_API_TOKEN || config.aliasApiTokens.size > 0) {
    const { aliasApiPlugin } = await import('./alias-api/index.js');
    const tokens = { ...(env.ALIAS_API_TOKEN ? { shared: { token: env.ALIAS_API_TOKEN, user: env.ALIAS_API_USER } } : {}), perUser: config.aliasApiTokens };
    await app.register(aliasApiPlugin, { prefix: '/api/v1', tokens, failedTokens: refusedTokens, inventory: deps.store.inventory, counters: deps.store.flood, rules: () => rules, clock, ...(options.aliasApiLimits ? { limits: options.aliasApiLimits } : {}) });
  }
  // The store's state as /healthz last saw it: the log has a line when it changes, not one per check (a platform
  // probing every few seconds, or anyone asking in a loop, would otherwise fill the disk while the store is down).
  let storeWasOk = true;
  app.get('/healthz', async (request, reply) => {
    const store = await deps.store.health().catch((err: Error) => ({ ok: false, detail: err.message }));
    // The answer is public: a short state only. Why the store failed (a Redis error names hosts, ports, users)
    // goes to the log, for whoever runs the relay.
    if (store.ok !== storeWasOk) {
      storeWasOk = store.ok;
      if (store.ok) request.log.info({ store: deps.store.kind }, 'health check: store available again');
      else request.log.warn({ store: deps.store.kind, detail: store.detail }, 'health check: store unavailable');
    }
    return reply.code(store.ok ? 200 : 503).send({
      status: store.ok ? 'ok' : 'degraded',
      rules: rules.ruleCount,
      users: rules.userCount,
      domains: rules.domains,
      transport: deps.transport.name,
      store: { kind: deps.store.kind, ok: store.ok },
    });
  });
  return app;
}
