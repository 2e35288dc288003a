import { resolve } from 'node:path';
import { loadConfig, sendingDomain, ConfigError, type Config } from './config.js';
import { buildApp } from './app.js';
import { loggerOptions } from './log-format.js';
import { listenFailure, localUrl } from './listen.js';
import { systemClock } from './clock.js';
import { loadRules, RulesLoadError } from './rules/index.js';
import { createMailgunTransport } from './forward/mailgun.js';
import { createOutboxTransport } from './forward/outbox.js';
import { createStore } from './store/index.js';
import { createDmarcCheck } from './forward/dmarc.js';
import { withDevelopmentDkim } from './forward/development-dkim.js';
import { dnsResolver } from './forward/dns.js';
import { mailgunSuppressions, type Suppressions } from './events/suppressions.js';
import type { Transport } from './forward/types.js';
import { mailgunStoredMessages, type StoredMessages } from './resend/stored-messages.js';
import type { CompiledRules } from './rules/types.js';
import type { FastifyInstance } from 'fastify';

function transportFor(config: Config, rules: CompiledRules): Transport {
  const { env } = config;
  if (env.MAILGUN_API_KEY) {
    return createMailgunTransport({
      apiKey: env.MAILGUN_API_KEY,
      url: env.MAILGUN_API_URL,
      domain: sendingDomain(env, rules.domains),
      timeoutMs: env.MAILGUN_TIMEOUT_MS,
    });
  }
  return createOutboxTransport(env.OUTBOX_DIR, systemClock);
}

/** The sending domain's bounce list, through the same API key and region as the sends. */
function suppressionsFor(config: Config, rules: CompiledRules): Suppressions | undefined {
  const { env } = config;
  if (!env.MAILGUN_API_KEY) return undefined;
  return mailgunSuppressions({ apiKey: env.MAILGUN_API_KEY, url: env.MAILGUN_API_URL, domain: sendingDomain(env, rules.domains), timeoutMs: env.MAILGUN_TIMEOUT_MS });
}

/**
 * Mailgun's stored messages (resend), with the same key and timeout as the sends. A stored message is one the
 * relay once took in, urlencoded, within MAX_BODY_BYTES: its JSON answer is bounded the same way.
 */
function storedMessagesFor(config: Config): StoredMessages | undefined {
  const { env } = config;
  if (!env.MAILGUN_API_KEY) return undefined;
  return mailgunStoredMessages({ apiKey: env.MAILGUN_API_KEY, apiUrl: env.MAILGUN_API_URL, timeoutMs: env.MAILGUN_TIMEOUT_MS, maxBytes: env.MAX_BODY_BYTES });
}

/** The process: env → rules → app → listen, and a graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: Config;
  let rules: CompiledRules;
  const rulesFile = resolve(process.env.RULES_FILE?.trim() || './rules.yaml');
  try {
    config = loadConfig(process.env);
    rules = await loadRules(rulesFile);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RulesLoadError) {
      console.error(`plus-relay: cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const { env } = config;
  if (!env.REDIS_URL) {
    // Before anything opens the database: a native addon built for another Node is one line and a command, not a stack.
    const { checkSqliteAddon } = await import('./store/sqlite/addon.js');
    const addon = checkSqliteAddon({ version: process.version, abi: process.versions.modules, execPath: process.execPath, nodedir: process.env.npm_config_nodedir });
    if (!addon.ok) {
      console.error(`plus-relay: cannot start: ${addon.message}`);
      process.exit(1);
    }
  }
  // The store connects in the background and may report before the app's logger exists.
  let app: FastifyInstance | undefined;
  const storeLog = (level: 'info' | 'warn') => (obj: object, msg: string) =>
    app ? app.log[level](obj, msg) : console.error(`plus-relay: ${msg}`, obj);
  const store = await createStore(env, systemClock, { info: storeLog('info'), warn: storeLog('warn') });
  const suppressions = suppressionsFor(config, rules);
  const storedMessages = storedMessagesFor(config);
  app = await buildApp(
    config,
    {
      rules,
      transport: transportFor(config, rules),
      // Outbox mode with the development webhook key is a relay that can never send: there `simulate` may play the
      // owner's reply, signed with the public development DKIM key (forward/development-dkim.ts).
      dmarc: createDmarcCheck(
        config.transport === 'outbox' && config.developmentKey ? withDevelopmentDkim(dnsResolver(config.dnsServers)) : dnsResolver(config.dnsServers),
        { clock: systemClock },
      ),
      store,
      ...(suppressions ? { suppressions } : {}),
      ...(storedMessages ? { storedMessages } : {}),
    },
    {
      logger: await loggerOptions(env, process.stdout.isTTY === true),
      watchRulesFile: rulesFile,
    },
  );

  if (config.transport === 'outbox') {
    app.log.warn(`MAILGUN_API_KEY is not set: nothing is sent; each forward is written to ${resolve(env.OUTBOX_DIR)} (the outbox transport)`);
  }
  if (config.developmentKey) {
    app.log.warn(`MAILGUN_WEBHOOK_SIGNING_KEY is not set: accepting POSTs signed with the development key "${config.signingKeys[0]}"`);
  }
  if (env.MAILGUN_API_KEY !== undefined && config.signingKeys.includes(env.MAILGUN_API_KEY)) {
    // Warned, not refused: Mailgun accounts from before the separate signing key signed webhooks with the API key.
    app.log.warn('MAILGUN_WEBHOOK_SIGNING_KEY is the API key: whoever verifies webhooks can also send as the domain; use the HTTP webhook signing key (Mailgun: Sending → Webhooks)');
  }
  if (env.HOST === undefined && config.transport === 'outbox') {
    app.log.info(`HOST is not set and there is no MAILGUN_API_KEY: listening on ${config.host} only, so nobody else on the network can post to this outbox (set HOST=0.0.0.0 to listen on every interface)`);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new requests, finishing in-flight forwards');
    const timer = setTimeout(() => {
      app.log.error('in-flight forwards did not finish in SHUTDOWN_TIMEOUT_MS; exiting (Mailgun will retry them)');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    app.close().then(
      async () => {
        await store.close();
        app.log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  try {
    await app.listen({ port: env.PORT, host: config.host });
  } catch (err) {
    const failure = listenFailure(err, env.PORT, config.host);
    if (!failure) throw err;
    console.error(`plus-relay: ${failure}`);
    process.exit(1);
  }
  // With Redis, the store logs its own connection state ('redis connected' / 'redis unreachable').
  app.log.info(
    { rules: rules.ruleCount, users: rules.userCount, domains: rules.domains, transport: config.transport, store: store.kind },
    'plus-relay ready',
  );
  if (env.ADMIN_TOKEN) {
    // The URL, never the token: secrets stay out of the logs.
    app.log.info(`admin page: ${localUrl(app.server.address(), config.host)}/admin (any user name, ADMIN_TOKEN as the password)`);
  }
  if (env.ALIAS_API_TOKEN) {
    // On only with its token: say so, with the server URL a password manager is given.
    const origin = localUrl(app.server.address(), config.host);
    app.log.info(`alias API: ${origin}/api/v1/aliases (addy.io-compatible; a password manager's self-host server URL is ${origin}, ALIAS_API_TOKEN its API token)`);
  }
}

await main();
