import { Type, type Static } from '@sinclair/typebox';

/**
 * The environment, validated once at boot. The TypeScript type is derived from this schema
 * (never written beside it) so the two cannot drift apart. The validator is compiled from it ahead of time
 * (`npm run validators`, into src/generated/): at run time neither TypeBox nor Ajv's compiler is loaded.
 */
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  // No default here: unset, loadConfig picks 0.0.0.0 with MAILGUN_API_KEY and 127.0.0.1 without (see listenHost).
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  // Unset: `pretty` (one short line per delivery, pino-pretty) when stdout is a terminal, else pino's JSON lines
  // (Fly, log shippers). Set it to force either.
  LOG_FORMAT: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pretty')])),
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
  // Enables /api/v1/aliases, the addy.io-compatible API a password manager (Bitwarden) makes aliases with. Unset,
  // every /api/ path is 404. At least 16 characters: whoever holds it can add aliases for one user and block those.
  // Each user may have a token of their own too: ALIAS_API_TOKEN_<USER> (config.ts reads those, as their names
  // come from rules.yaml).
  ALIAS_API_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  // The user (under `users:`) ALIAS_API_TOKEN makes aliases for. Default: the first in `users:`.
  ALIAS_API_USER: Type.Optional(Type.String({ minLength: 1 })),
});
export type Env = Static<typeof EnvSchema>;
