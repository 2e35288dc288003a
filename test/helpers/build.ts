import type { TestContext } from 'node:test';
import type { DNSResolver } from 'mailauth';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.js';
import { loadConfig, sendingDomain, type Config } from '../../src/config.js';
import { compileRules } from '../../src/rules/index.js';
import { createMailgunTransport } from '../../src/forward/mailgun.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import type { Transport } from '../../src/forward/types.js';
import type { Clock } from '../../src/clock.js';
import type { DeliveryResult } from '../../src/deliver.js';
import { createDmarcCheck, type DmarcCheckOptions } from '../../src/forward/dmarc.js';
import { dnsResolver } from '../../src/forward/dns.js';
import type { EventResult } from '../../src/events/handle-event.js';
import { mailgunSuppressions } from '../../src/events/suppressions.js';
import { mailgunStoredMessages } from '../../src/resend/stored-messages.js';
import { startMailgunApi, type MailgunApi } from '../support/mailgun-api.js';
import { startDnsServer, type DnsServer, type TxtRecords } from '../support/dns-server.js';

export const SIGNING_KEY = 'test-signing-key-0123456789';
export const API_KEY = 'key-test';

export const RULES = `
domains: [destroy.systems]
users:
  owner: "personalemail+{service}@gmail.com"
  partner:
    to: "partner+{service}@fastmail.com"
  family:
    - "parent+{service}@fastmail.com"
    - "kid+{service}@fastmail.com"
rules:
  - match: "abuse"
    reject: true
  - match: "{user}+{service}"
  - match: "{user}.{service}"
  - match: "{user}"
  - match: "{service}"
    user: owner
`;

/**
 * RULES with the flood guard's limits lifted, for tests of something else (load, fuzzing, a hung API) that send
 * hundreds of messages to one mailbox, most to new aliases, within seconds. The guard's own tests set their limits.
 */
export const RULES_UNGUARDED = `${RULES}limits:\n  per_target: {per_minute: 1000000, per_hour: 1000000}\n  new_aliases_per_hour: 1000000\n`;

/** A clock the test can move: signature windows without waiting hours. */
export function testClock(offsetMs = 0): Clock & { offsetMs: number } {
  const clock = {
    offsetMs,
    now: () => Date.now() + clock.offsetMs,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
  return clock;
}

export interface Built {
  app: FastifyInstance;
  api: MailgunApi;
  /** The loopback DNS server the DMARC check resolves through (no records unless `dns` was given). */
  dns: DnsServer;
  store: Store;
  config: Config;
  deliveries: DeliveryResult[];
  /** Every event webhook post, as the app answered it. */
  events: EventResult[];
}

export interface BuildOptions {
  rules?: string;
  env?: Record<string, string>;
  clock?: Clock;
  store?: Store;
  transport?: (api: MailgunApi, config: Config) => Transport;
  /** TXT records (DKIM keys, DMARC policies) the DMARC check finds. */
  dns?: TxtRecords;
  dmarc?: Omit<DmarcCheckOptions, 'clock'>;
  /** Wraps the DMARC check's resolver (server.ts adds the development DKIM key in outbox mode). */
  resolver?: (resolver: DNSResolver) => DNSResolver;
  app?: AppOptions;
  /** false: the relay as without MAILGUN_API_KEY for resending (it cannot fetch Mailgun's stored messages). */
  storedMessages?: false;
}

/** The real app, wired to a loopback Mailgun API that the real mailgun.js client talks to. */
export async function build(t: TestContext, options: BuildOptions = {}): Promise<Built> {
  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const config = loadConfig({
    MAILGUN_API_KEY: API_KEY,
    MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
    MAILGUN_API_URL: api.url,
    MAILGUN_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const rules = compileRules(options.rules ?? RULES, 'rules.yaml');
  const clock = options.clock ?? testClock();
  const store = options.store ?? createSqliteStore({ location: ':memory:', clock });
  if (!options.store) t.after(() => store.close());
  const transport =
    options.transport?.(api, config) ??
    createMailgunTransport({ apiKey: API_KEY, url: api.url, domain: sendingDomain(config.env, rules.domains), timeoutMs: config.env.MAILGUN_TIMEOUT_MS });
  const dns = await startDnsServer(options.dns);
  t.after(() => dns.close());
  const resolver = dnsResolver([dns.address]);
  const dmarc = createDmarcCheck(options.resolver?.(resolver) ?? resolver, { clock, ...options.dmarc });
  const domain = sendingDomain(config.env, rules.domains);
  const suppressions = mailgunSuppressions({ apiKey: API_KEY, url: api.url, domain, timeoutMs: config.env.MAILGUN_TIMEOUT_MS });
  const storedMessages = options.storedMessages === false ? undefined : mailgunStoredMessages({ apiKey: API_KEY, apiUrl: config.env.MAILGUN_API_URL, timeoutMs: config.env.MAILGUN_TIMEOUT_MS, maxBytes: config.env.MAX_BODY_BYTES });
  const deliveries: DeliveryResult[] = [];
  const events: EventResult[] = [];
  const app = await buildApp(
    config,
    { rules, transport, dmarc, store, clock, suppressions, storedMessages, onDelivery: (r) => deliveries.push(r), onEvent: (r) => events.push(r) },
    options.app,
  );
  t.after(() => app.close());
  return { app, api, dns, store, config, deliveries, events };
}
