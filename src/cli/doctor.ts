import { parseArgs } from 'node:util';
import type { CliIO, Command } from './io.js';
import { loadForCli, usage } from './route.js';
import { checkDeliverability } from './doctor-deliverability.js';
import {
  RAW_PATH,
  ROUTE_EXPRESSION,
  apiAccess,
  checkRelayUrl,
  describeRoute,
  explainApiError,
  forwardUrls,
  listAllRoutes,
  relayRoutes,
  type ApiAccess,
} from './mailgun-client.js';

const USAGE = 'usage: plus-relay doctor [--url https://<app>.fly.dev] [--domain DOMAIN]... [--rules FILE] [--fix]';

export interface Report {
  ok(line: string): void;
  warn(line: string, fix?: string): void;
  fail(line: string, fix?: string): void;
  readonly failures: number;
  readonly warnings: number;
}

function report(io: CliIO): Report {
  let failures = 0;
  let warnings = 0;
  const print = (tag: string, line: string, fix?: string) => {
    io.out(`${tag.padEnd(5)} ${line}`);
    if (fix) io.out(`      fix: ${fix}`);
  };
  return {
    ok: (line) => print('ok', line),
    warn: (line, fix) => (warnings++, print('warn', line, fix)),
    fail: (line, fix) => (failures++, print('FAIL', line, fix)),
    get failures() { return failures; },
    get warnings() { return warnings; },
  };
}

/**
 * Checks what can be checked from outside: the relay answers (with --url), the Mailgun route exists and
 * points at it, no domain-level tracking rewrites forwarded mail, and the sending domain reports failures
 * to the relay and does not suppress a rule target (--fix removes those). Prints each finding with its fix;
 * exits 1 when something is broken, 0 otherwise (warnings included).
 */
export const doctor: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { url: { type: 'string' }, domain: { type: 'string', multiple: true }, rules: { type: 'string' }, fix: { type: 'boolean', default: false } } });
  } catch (err) {
    return usage(io, (err as Error).message, USAGE);
  }
  const { url, domain, rules } = parsed.values;
  let base: URL | null = null;
  if (url !== undefined) {
    try {
      base = new URL(url.replace(/\/+$/, '').replace(/\/mailgun\/inbound(\/mime)?$/, ''));
    } catch {
      return usage(io, `--url ${JSON.stringify(url)} is not a URL`, USAGE);
    }
  }
  const r = report(io);
  const relayDomains = base ? await checkRelay(base, r) : null;
  const access = apiAccess(io);
  if (!access) {
    r.fail('cannot check the Mailgun side without MAILGUN_API_KEY');
  } else if (await checkRoute(access, base, r)) {
    const domains = new Set(domain ?? [...(relayDomains ?? (await localDomains(rules, io, r))), ...(io.env.MAILGUN_DOMAIN?.trim() ? [io.env.MAILGUN_DOMAIN.trim()] : [])]);
    if (domains.size === 0) r.warn('no domains to check tracking for', 'pass --domain, set MAILGUN_DOMAIN, or run doctor next to rules.yaml');
    for (const d of domains) await checkTracking(access, d, r);
    await checkDeliverability({ access, io, base, relayDomains, rulesOption: rules, fix: parsed.values.fix }, r);
  }
  io.out(r.failures ? `doctor: ${r.failures} problem${r.failures > 1 ? 's' : ''} to fix` : `doctor: no problems found${r.warnings ? ` (${r.warnings} warning${r.warnings > 1 ? 's' : ''})` : ''}`);
  return r.failures ? 1 : 0;
};

async function checkRelay(base: URL, r: Report): Promise<string[] | null> {
  const health = new URL('/healthz', base).href;
  let response: Response;
  try {
    response = await fetch(health, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    r.fail(`cannot reach the relay at ${health}: ${cause}`, 'is it deployed and running? fly status; fly logs');
    return null;
  }
  const body = (await response.json().catch(() => ({}))) as { transport?: string; rules?: number; domains?: string[]; store?: { kind?: string; ok?: boolean; detail?: string } };
  if (response.status !== 200) {
    r.fail(`the relay at ${health} answered ${response.status}${body.store?.detail ? `: store ${body.store.detail}` : ''}`, 'fly logs shows why');
    return null;
  }
  r.ok(`the relay at ${base.origin} is up: ${body.rules ?? '?'} rules, domains ${(body.domains ?? []).join(', ') || 'none'}, store ${body.store?.kind ?? '?'}`);
  if (body.transport === 'outbox') {
    r.fail('the relay has no MAILGUN_API_KEY: it writes forwards to its outbox and sends nothing', 'fly secrets set MAILGUN_API_KEY=… MAILGUN_WEBHOOK_SIGNING_KEY=…');
  }
  return body.domains ?? null;
}

/** False when the API cannot be used at all (wrong key, unreachable): the remaining checks would say the same. */
async function checkRoute(access: ApiAccess, base: URL | null, r: Report): Promise<boolean> {
  let all;
  try {
    all = await listAllRoutes(access.client);
  } catch (err) {
    r.fail(explainApiError(err, access.url));
    return false;
  }
  const setup = `plus-relay setup-route --url ${base ? `https://${base.host}` : 'https://<app>.fly.dev'}${RAW_PATH}`;
  const ours = relayRoutes(all);
  const route = ours[0];
  if (!route) {
    r.fail('no plus-relay route in this Mailgun account: Mailgun does not post any mail to the relay', setup);
    return true;
  }
  if (ours.length > 1) r.fail(`${ours.length} plus-relay routes: each message is posted more than once`, `${setup} (keeps one, deletes the rest)`);
  const targets = forwardUrls(route);
  if (route.expression !== ROUTE_EXPRESSION || !route.actions.some((a) => a.trim() === 'stop()') || targets.length !== 1) {
    r.warn(`the plus-relay route ${route.id} is not the usual ${ROUTE_EXPRESSION} → forward(…), stop(): ${describeRoute(route)}`, setup);
  }
  for (const target of targets) {
    const check = checkRelayUrl(target);
    if (!check.ok) r.fail(`route ${route.id} forwards to ${target}: ${check.problem}`, setup);
    else if (check.warning) r.warn(`route ${route.id}: ${check.warning}`, setup);
    const at = new URL(target);
    if (base && at.host !== base.host) r.fail(`route ${route.id} forwards to ${at.host}, not to ${base.host}`, setup);
    else if (check.ok) r.ok(`route ${route.id} forwards all mail to ${target}`);
  }
  for (const other of all) {
    if (other.description === route.description) continue;
    if (other.priority <= route.priority && other.actions.some((a) => a.trim() === 'stop()')) {
      r.warn(`route ${other.id} (${JSON.stringify(other.description)}, ${describeRoute(other)}) is evaluated before the relay's and stops: mail it matches never reaches the relay`, 'give the relay\'s route a lower --priority number, or delete that route');
    }
    if (targets.some((t) => forwardUrls(other).includes(t))) r.warn(`route ${other.id} also forwards to the relay: those messages arrive twice`, 'delete it (Mailgun dashboard → Receiving → Routes)');
  }
  return true;
}

async function checkTracking(access: ApiAccess, domain: string, r: Report): Promise<void> {
  let tracking;
  try {
    tracking = await access.client.domains.domainTracking.getTracking(domain);
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 404) r.fail(`domain ${domain} is not in this Mailgun account: Mailgun does not accept its mail`, `add it in the Mailgun dashboard (Sending → Domains), or check the region (EU accounts: MAILGUN_API_URL=https://api.eu.mailgun.net)`);
    else r.fail(`tracking settings of ${domain}: ${explainApiError(err, access.url)}`);
    return;
  }
  const fix = (kind: string) => `Mailgun dashboard → Sending → Domain settings → ${domain} → Tracking: turn ${kind} tracking off; or curl --user "api:$MAILGUN_API_KEY" -X PUT ${access.url}/v3/domains/${domain}/tracking/${kind} -F active=false`;
  // The relay turns click and open tracking off on every message it sends (o:tracking-clicks/opens=no), which
  // Mailgun ranks above the domain setting; the unsubscribe footer has no such per-message switch.
  if (tracking.unsubscribe.active) r.fail(`unsubscribe tracking is on for ${domain}: Mailgun appends an unsubscribe footer to every forward (breaking the sender's DKIM) whose link unsubscribes you from your own mail`, fix('unsubscribe'));
  if (tracking.click.active) r.warn(`click tracking is on for ${domain}: the relay turns it off per message, but anything else sending from ${domain} gets its links rewritten`, fix('click'));
  if (tracking.open.active) r.warn(`open tracking is on for ${domain}: the relay turns it off per message, but anything else sending from ${domain} gets a tracking pixel`, fix('open'));
  if (!tracking.unsubscribe.active && !tracking.click.active && !tracking.open.active) r.ok(`tracking is off for ${domain} (click, open, unsubscribe)`);
}

async function localDomains(rules: string | undefined, io: CliIO, r: Report): Promise<string[]> {
  const quiet: CliIO = { ...io, err: () => undefined };
  const loaded = await loadForCli(rules, quiet);
  if (!loaded) r.warn(`could not read ${rules ?? io.env.RULES_FILE ?? './rules.yaml'} for the domain list`, 'plus-relay check shows why; or pass --domain');
  return loaded ? [...loaded.domains] : [];
}
