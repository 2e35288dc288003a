import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { isIP } from 'node:net';

/**
 * The environment, validated once at boot. The TypeScript type is derived from this schema
 * (never written beside it) so the two cannot drift apart.
 */
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  // No default here: unset, loadConfig picks 0.0.0.0 with MAILGUN_API_KEY and 127.0.0.1 without (see listenHost).
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  RULES_FILE: Type.String({ minLength: 1, default: './rules.yaml' }),
  MAILGUN_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  // Comma-separated to allow rotation: the new key first, the old one until Mailgun stops using it.
  MAILGUN_WEBHOOK_SIGNING_KEY: Type.Optional(Type.String({ minLength: 1 })),
  MAILGUN_DOMAIN: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]+$' })),
  MAILGUN_API_URL: Type.String({ pattern: '^https?://[^/]+', default: 'https://api.mailgun.net' }),
  // Mailgun retries for about 8 hours with the original signature block: 9 h keeps every retry.
  MAILGUN_MAX_SIGNATURE_AGE: Type.Integer({ minimum: 60, maximum: 7 * 24 * 3600, default: 9 * 3600 }),
  // mailgun.js waits forever unless told otherwise; a hung API must turn into a 5xx Mailgun retries.
  MAILGUN_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000 }),
  // Mailgun accepts 25 MB messages; urlencoding and multipart framing inflate them.
  MAX_BODY_BYTES: Type.Integer({ minimum: 1024, maximum: 1024 ** 3, default: 64 * 1024 * 1024 }),
  // Request body bytes held at once across all requests: each post reserves its Content-Length before a byte
  // is read, and one that would go over gets 503 (Mailgun retries). The signature can only be checked once a
  // body has arrived, so without this a few unsigned clients that declare large bodies and stall hold all the
  // memory (measured: six took the 512 MB Fly machine from 99 MB to 519 MB). At least MAX_BODY_BYTES.
  MAX_INFLIGHT_BYTES: Type.Integer({ minimum: 1024, maximum: 16 * 1024 ** 3, default: 192 * 1024 * 1024 }),
  // A request whose body has not fully arrived by then is answered 408 and its connection closed, its budget
  // returned: a client trickling bytes cannot hold a connection and its reservation for ever (Fastify sets no
  // limit of its own). Mailgun's uploads take seconds, not minutes.
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 120_000 }),
  OUTBOX_DIR: Type.String({ minLength: 1, default: './outbox' }),
  // Where the SQLite store keeps used tokens and forwarded messages, so a restart or a deploy does not
  // forget them (fly.toml mounts a volume here). Unused with REDIS_URL.
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  // Several instances share their state here instead of in DATA_DIR.
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  // Sent as X-Plus-Relay on every forward; a message that comes back carrying it is a loop (406).
  // Default: MAILGUN_DOMAIN, else the first rules domain — the same on every instance of one relay.
  RELAY_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' })),
  // Sends to the Mailgun API at once; more wait (up to MAILGUN_TIMEOUT_MS) or get 503. A slow API
  // then holds a bounded number of sockets and message bodies, not one per inbound POST.
  MAX_CONCURRENT_SENDS: Type.Integer({ minimum: 1, maximum: 1024, default: 32 }),
  // How long SIGTERM waits for in-flight forwards before giving up (fly.toml's kill_timeout is above it).
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 300_000, default: 20_000 }),
  // Optional bearer token for GET /metrics. At least 16 characters: the endpoint is on the public URL,
  // and a short token can be guessed.
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  // Resolvers for the DKIM/DMARC lookups of raw-mode forwards: comma-separated `ip` or `ip:port` (`[v6]:port`).
  // Default: the system's.
  DNS_SERVERS: Type.Optional(Type.String({ minLength: 1 })),
  // Enables /admin (the alias inventory, block and unblock; the CLI's `aliases`, `alias add`, `block`).
  // Unset, every /admin path is 404. At least 16 characters: whoever holds it can stop any alias's mail.
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
});
export type Env = Static<typeof EnvSchema>;

/** Known to `plus-relay simulate` as well, so the local setup needs no configuration at all. */
export const DEVELOPMENT_SIGNING_KEY = 'plus-relay-development-signing-key';

export interface Config {
  env: Env;
  transport: 'mailgun' | 'outbox';
  signingKeys: string[];
  /** True when the signing key is the public development key (outbox mode only). */
  developmentKey: boolean;
  /** DNS_SERVERS as a list, or null for the system's resolvers. */
  dnsServers: string[] | null;
  /** Where to listen: HOST, or the default for the transport (listenHost). */
  host: string;
}

/**
 * HOST, or a default that depends on what the relay would accept: without MAILGUN_API_KEY it is a local
 * outbox that may take POSTs signed with the public development key, so anyone on the network could fill the
 * disk — it listens on loopback only. With the key it is a deployed relay (containers need 0.0.0.0).
 */
function listenHost(env: Env): string {
  return env.HOST ?? (env.MAILGUN_API_KEY ? '0.0.0.0' : '127.0.0.1');
}

/**
 * The domain forwards are sent from: MAILGUN_DOMAIN, else the first domain of rules.yaml (the rules
 * loader refuses an empty `domains:`, so there always is one).
 */
export function sendingDomain(env: Pick<Env, 'MAILGUN_DOMAIN'>, domains: readonly string[]): string {
  return env.MAILGUN_DOMAIN ?? domains[0] ?? '';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
const validateEnv = ajv.compile<Env>(EnvSchema);

export function loadConfig(source: Readonly<Record<string, string | undefined>>): Config {
  // An empty variable (`MAILGUN_API_KEY=`) means unset, as in most shells' and Fly's usage.
  const data: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key];
    if (value !== undefined && value.trim() !== '') data[key] = value.trim();
  }
  if (!validateEnv(data)) {
    const lines = (validateEnv.errors ?? []).map((e) => `${e.instancePath.slice(1) || 'environment'} ${e.message ?? 'is invalid'}`);
    throw new ConfigError(`invalid environment: ${lines.join('; ')}`);
  }
  const env: Env = data as unknown as Env;
  if (env.MAX_INFLIGHT_BYTES < env.MAX_BODY_BYTES) {
    // A message of the largest allowed size could never be admitted: Mailgun would retry it for 8 hours in vain.
    throw new ConfigError(`MAX_INFLIGHT_BYTES (${env.MAX_INFLIGHT_BYTES}) must be at least MAX_BODY_BYTES (${env.MAX_BODY_BYTES})`);
  }
  const transport = env.MAILGUN_API_KEY ? 'mailgun' : 'outbox';
  const keys = (env.MAILGUN_WEBHOOK_SIGNING_KEY ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  if (transport === 'mailgun' && keys.length === 0) {
    // Without it every POST would be refused (401) or, worse, accepted unsigned.
    throw new ConfigError('MAILGUN_WEBHOOK_SIGNING_KEY is required when MAILGUN_API_KEY is set');
  }
  const developmentKey = keys.length === 0;
  return {
    env,
    transport,
    signingKeys: developmentKey ? [DEVELOPMENT_SIGNING_KEY] : keys,
    developmentKey,
    dnsServers: dnsServers(env.DNS_SERVERS),
    host: listenHost(env),
  };
}

/** Checked here rather than by node:dns at the first message, so a typo stops the start with the variable named. */
function dnsServers(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  const servers = text.split(',').map((s) => s.trim());
  const bad = servers.find((s) => !isDnsServer(s));
  if (bad !== undefined) throw new ConfigError(`invalid environment: DNS_SERVERS must be comma-separated ip or ip:port ([ipv6]:port), not ${JSON.stringify(bad)}`);
  return servers;
}

function isDnsServer(server: string): boolean {
  if (isIP(server)) return true;
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(server);
  const port = Number(m?.[3]);
  return Boolean(m) && port >= 1 && port <= 65535 && (m?.[1] ? isIP(m[1]) === 6 : isIP(m?.[2] ?? '') === 4);
}
