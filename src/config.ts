import { isIP } from 'node:net';
import type { Env } from './env-schema.js';
import { ENV_KEYS, validateEnv } from './generated/env-validator.js';

export type { Env };

/** Known to `plus-relay simulate` as well, so the local setup needs no configuration at all. */
export const DEVELOPMENT_SIGNING_KEY = 'plus-relay-development-signing-key';

export interface Config {
  env: Env;
  transport: 'mailgun' | 'outbox';
  signingKeys: string[];
  /** True when the signing key is the public development key (outbox mode on loopback only: loadConfig refuses the rest). */
  developmentKey: boolean;
  /** DNS_SERVERS as a list, or null for the system's resolvers. */
  dnsServers: string[] | null;
  /** Where to listen: HOST, or the default for the transport (listenHost). */
  host: string;
  /** The users' own alias-API tokens: each `ALIAS_API_TOKEN_<USER>` variable set, by its name. */
  aliasApiTokens: ReadonlyMap<string, string>;
}

/**
 * HOST, or a default that depends on what the relay would accept: without MAILGUN_API_KEY it is a local
 * outbox that may take POSTs signed with the public development key, so anyone on the network could fill the
 * disk — it listens on loopback only. With the key it is a deployed relay (containers need 0.0.0.0).
 */
function listenHost(env: Env): string {
  return env.HOST ?? (env.MAILGUN_API_KEY ? '0.0.0.0' : '127.0.0.1');
}

/** Loopback only: 127.0.0.0/8, ::1 or localhost. Anything else (0.0.0.0, ::, an interface's address, a name) is reachable. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
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

export function loadConfig(source: Readonly<Record<string, string | undefined>>): Config {
  // An empty variable (`MAILGUN_API_KEY=`) means unset, as in most shells' and Fly's usage.
  const data: Record<string, string> = {};
  for (const key of ENV_KEYS) {
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
  const host = listenHost(env);
  if (developmentKey && !isLoopback(host)) {
    // The development key is printed in this file and the README: on a reachable interface, anyone could sign a POST
    // and have the outbox write it (and a stranger's event be recorded). A deployment always has a key of its own.
    throw new ConfigError(
      `HOST=${host} would accept POSTs signed with the public development key: set MAILGUN_WEBHOOK_SIGNING_KEY (Mailgun: Sending → Webhooks → HTTP webhook signing key), or HOST=127.0.0.1 for a local outbox`,
    );
  }
  return {
    env,
    transport,
    signingKeys: developmentKey ? [DEVELOPMENT_SIGNING_KEY] : keys,
    developmentKey,
    dnsServers: dnsServers(env.DNS_SERVERS),
    host,
    aliasApiTokens: aliasApiTokens(source),
  };
}

const USER_TOKEN = /^ALIAS_API_TOKEN_[A-Z0-9_]+$/;

/**
 * `ALIAS_API_TOKEN_<USER>`: names the schema cannot list, as they come from rules.yaml's users. Held to
 * ALIAS_API_TOKEN's rule (16 characters at least): a short token can be guessed.
 */
function aliasApiTokens(source: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const [name, value] of Object.entries(source)) {
    const token = value?.trim() ?? '';
    if (!USER_TOKEN.test(name) || token === '') continue;
    if (token.length < 16) throw new ConfigError(`invalid environment: ${name} must NOT have fewer than 16 characters`);
    tokens.set(name, token);
  }
  return tokens;
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
