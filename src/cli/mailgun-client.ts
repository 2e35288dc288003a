import Mailgun from 'mailgun.js';
import FormData from 'form-data';
import type { CliIO } from './io.js';

/** How setup-route recognises the relay's own route among the account's routes, and how doctor finds it. */
export const ROUTE_DESCRIPTION = 'plus-relay: forward all mail to the relay';
export const ROUTE_EXPRESSION = 'catch_all()';
export const RAW_PATH = '/mailgun/inbound/mime';
export const PARSED_PATH = '/mailgun/inbound';
/**
 * Mailgun's largest route priority, evaluated last. Routes are account-wide and catch_all() takes whatever no
 * earlier route matched, so the relay's route belongs here: every other domain's routes run first.
 */
export const LAST_PRIORITY = 32767;

export type MailgunClient = ReturnType<Mailgun['client']>;
export type Route = Awaited<ReturnType<MailgunClient['routes']['get']>>;

export interface ApiAccess {
  client: MailgunClient;
  /** The API base URL, for messages (never the key). */
  url: string;
}

/** A client from MAILGUN_API_KEY and MAILGUN_API_URL, or null after printing why not. */
export function apiAccess(io: CliIO): ApiAccess | null {
  const key = io.env.MAILGUN_API_KEY?.trim();
  const url = (io.env.MAILGUN_API_URL?.trim() || 'https://api.mailgun.net').replace(/\/+$/, '');
  if (!key) {
    io.err('plus-relay: MAILGUN_API_KEY is not set: this command calls the Mailgun API with your private API key');
    io.err('  (Mailgun dashboard → API Security). On Fly, where it is a secret: fly ssh console -C "node dist/cli/main.js …"');
    return null;
  }
  if (!/^https?:\/\/[^/]+/.test(url)) {
    io.err(`plus-relay: MAILGUN_API_URL must be a URL like https://api.mailgun.net, not ${JSON.stringify(url)}`);
    return null;
  }
  return { client: new Mailgun(FormData).client({ username: 'api', key, url, timeout: 15_000 }), url };
}

/** One line saying what went wrong with an API call, in terms the user can act on. Never contains the key. */
export function explainApiError(err: unknown, url: string): string {
  const e = (err && typeof err === 'object' ? err : {}) as { status?: unknown; message?: unknown; details?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.status === 401 || e.status === 403) {
    return `MAILGUN_API_KEY was refused by ${url}: check the key and the region (EU accounts: MAILGUN_API_URL=https://api.eu.mailgun.net)`;
  }
  if (/^E[A-Z_]+\b|timeout|socket hang up|network/i.test(message)) return `cannot reach the Mailgun API at ${url}: ${message}`;
  const details = typeof e.details === 'string' && e.details !== message ? `: ${e.details}` : '';
  return `the Mailgun API at ${url} answered ${typeof e.status === 'number' ? e.status : 'an error'}: ${message}${details}`.slice(0, 400);
}

/** Mailgun's SMTP service for the account's region: EU accounts (MAILGUN_API_URL on api.eu.mailgun.net) have their own. */
export function smtpHost(apiUrl: string): string {
  return /(^|\.)eu\.mailgun\.net$/i.test(new URL(apiUrl).hostname) ? 'smtp.eu.mailgun.org' : 'smtp.mailgun.org';
}

/** Every item of a paged listing. */
async function allPages<T>(list: (query: { limit: number; skip: number }) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  const limit = 100;
  for (let skip = 0; skip < 100_000; skip += limit) {
    const page = await list({ limit, skip });
    all.push(...page);
    if (page.length < limit) break;
  }
  return all;
}

/** Every route of the account, page by page. */
export function listAllRoutes(client: MailgunClient): Promise<Route[]> {
  return allPages((query) => client.routes.list(query));
}

/** The names of the account's domains (lower-cased), page by page. */
export async function listAllDomains(client: MailgunClient): Promise<string[]> {
  const domains = await allPages((query) => client.domains.list(query));
  return domains.map((d) => d.name.toLowerCase());
}

/** The relay's routes, oldest first: when there are several, every run keeps the same one. */
export function relayRoutes(routes: Route[]): Route[] {
  const created = (r: Route) => Date.parse(r.created_at) || 0;
  return routes.filter((r) => r.description === ROUTE_DESCRIPTION).sort((a, b) => created(a) - created(b) || a.id.localeCompare(b.id));
}

export function forwardAction(url: string): string {
  return `forward("${url}")`;
}

/** The URLs a route's forward() actions post to. */
export function forwardUrls(route: Route): string[] {
  return route.actions.flatMap((a) => {
    const m = /^\s*forward\(\s*"([^"]*)"\s*\)\s*$/.exec(a);
    return m?.[1] ? [m[1]] : [];
  });
}

export function describeRoute(r: Pick<Route, 'expression' | 'actions' | 'priority'>): string {
  return `${r.expression} → ${r.actions.join(', ')} (priority ${r.priority})`;
}

export type UrlCheck = { ok: true; url: string; mode: 'raw' | 'parsed'; warning: string | null } | { ok: false; problem: string };

/** Whether Mailgun should post to this URL: https, and a path the relay serves. */
export function checkRelayUrl(input: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, problem: `${JSON.stringify(input)} is not a URL; expected https://<app>.fly.dev${RAW_PATH}` };
  }
  const suggestion = `${url.protocol === 'http:' ? 'https:' : url.protocol}//${url.host}${RAW_PATH}`;
  if (url.protocol !== 'https:') {
    return { ok: false, problem: `the URL must be https: Mailgun posts every message to it, readable by anyone on the way over ${url.protocol}// (try ${suggestion})` };
  }
  if (url.username || url.password || url.search || url.hash) {
    return { ok: false, problem: `the URL must not carry credentials, a query or a fragment: the relay checks Mailgun's signature instead (try ${suggestion})` };
  }
  if (url.pathname === RAW_PATH) return { ok: true, url: url.href, mode: 'raw', warning: null };
  if (url.pathname === PARSED_PATH) {
    return {
      ok: true,
      url: url.href,
      mode: 'parsed',
      warning: `${PARSED_PATH} is parsed mode: Mailgun posts its parsed fields and the relay rebuilds the message, so the sender's DKIM signature no longer verifies. Raw mode (${suggestion}) forwards the original bytes and is recommended.`,
    };
  }
  return {
    ok: false,
    problem: `the relay receives mail at ${RAW_PATH} (raw, recommended) or ${PARSED_PATH} (parsed); Mailgun posting to ${url.pathname} would get 404s and retry each message for 8 hours, then drop it (try ${suggestion})`,
  };
}
