import type { CliIO, Command } from './io.js';
import { loadForCli } from './route.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { API_ENV, RULES_ENV, RULES_OPTION } from './common-options.js';
import { checkDeliverability } from './doctor-deliverability.js';
import { checkRecordedFailures } from './doctor-failures.js';
import { report, type Report } from './doctor-report.js';
import { checkAccountDomains, checkRoutes } from './doctor-routes.js';
import { apiAccess, explainApiError, type ApiAccess } from './mailgun-client.js';

export const DOCTOR = commandSpec({
  name: 'doctor',
  args: '',
  summary: "check the relay, its Mailgun route, the account's other domains, tracking, webhooks and bounce lists",
  options: {
    url: { type: 'string', value: 'URL', help: 'the deployed relay, e.g. https://<app>.fly.dev (its /healthz names its domains)' },
    domain: { type: 'string', value: 'DOMAIN', multiple: true, help: "a domain to check tracking for (default: the relay's domains and MAILGUN_DOMAIN)" },
    rules: RULES_OPTION,
    fix: { type: 'boolean', default: false, help: 'remove rule targets from the bounce lists' },
  },
  env: { ...API_ENV, ...RULES_ENV },
  examples: ['plus-relay doctor --url https://<app>.fly.dev'],
});

/**
 * Checks what can be checked from outside: the relay answers (with --url), the Mailgun route exists, points at it
 * and comes after the account's other routes, no other domain of the account loses its mail to it, no
 * domain-level tracking rewrites forwarded mail, and the sending domain reports failures to the relay and does not
 * suppress a rule target (--fix removes those). Without MAILGUN_API_KEY it checks what it can (the relay, the local
 * rules.yaml, the failures in the local store) and names what it could not. Prints each finding with its fix; exits
 * 1 when something is broken or unchecked, 0 otherwise (warnings included).
 */
export const doctor: Command = async (args, io) => {
  const parsed = parseCommand(DOCTOR, args, io);
  if (!parsed.ok) return parsed.exit;
  if (parsed.positionals.length > 0) return usageError(io, DOCTOR, `doctor takes no arguments but options (${JSON.stringify(parsed.positionals[0])})`);
  const { url, domain, rules } = parsed.values;
  let base: URL | null = null;
  if (url !== undefined) {
    try {
      base = new URL(url.replace(/\/+$/, '').replace(/\/mailgun\/inbound(\/mime)?$/, ''));
    } catch {
      return usageError(io, DOCTOR, `--url ${JSON.stringify(url)} is not a URL`);
    }
  }
  const r = report(io);
  const fromRelay = base ? await checkRelay(base, r) : null;
  // Without a key apiAccess would only say what the report says below.
  const hasKey = Boolean(io.env.MAILGUN_API_KEY?.trim());
  const access = hasKey ? apiAccess(io) : null;
  if (!access) {
    // Run where the relay runs (or next to its rules.yaml): what needs no key is still worth saying.
    const relayDomains = fromRelay ?? (await localDomains(rules, io, r, domain !== undefined));
    if (!fromRelay && relayDomains) r.ok(`${rules ?? io.env.RULES_FILE ?? 'rules.yaml'} is valid: domains ${relayDomains.join(', ')}`);
    await checkRecordedFailures(io, r);
    r.fail(
      `cannot check the Mailgun side${hasKey ? '' : ' without MAILGUN_API_KEY'}: the route, the account's other domains, tracking, the failure webhooks and the bounce lists`,
      `MAILGUN_API_KEY=key-… plus-relay doctor${base ? ` --url ${base.origin}` : ' --url https://<app>.fly.dev'} (EU accounts also MAILGUN_API_URL=https://api.eu.mailgun.net)`,
    );
  } else {
    const relayDomains = fromRelay ?? (await localDomains(rules, io, r, domain !== undefined));
    const routes = await checkRoutes(access, base, relayDomains, r);
    if (routes?.relay && relayDomains) await checkAccountDomains(access, base, routes.all, routes.relay, relayDomains, r);
    const domains = new Set(domain ?? [...(relayDomains ?? []), ...(io.env.MAILGUN_DOMAIN?.trim() ? [io.env.MAILGUN_DOMAIN.trim()] : [])]);
    if (routes && domains.size === 0) r.warn('no domains to check tracking for', 'pass --domain, set MAILGUN_DOMAIN, or run doctor next to rules.yaml');
    if (routes) for (const d of domains) await checkTracking(access, d, r);
    if (routes) await checkDeliverability({ access, io, base, relayDomains, rulesOption: rules, fix: parsed.values.fix }, r);
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
  const body = (await response.json().catch(() => ({}))) as { transport?: string; rules?: number; domains?: string[]; store?: { kind?: string; ok?: boolean } };
  if (response.status !== 200) {
    // /healthz keeps the store's error text for the log; it only says which store is down.
    r.fail(`the relay at ${health} answered ${response.status}${body.store?.ok === false ? `: its ${body.store.kind ?? ''} store is unavailable` : ''}`, 'fly logs shows why');
    return null;
  }
  r.ok(`the relay at ${base.origin} is up: ${body.rules ?? '?'} rules, domains ${(body.domains ?? []).join(', ') || 'none'}, store ${body.store?.kind ?? '?'}`);
  if (body.transport === 'outbox') {
    r.fail('the relay has no MAILGUN_API_KEY: it writes forwards to its outbox and sends nothing', 'fly secrets set MAILGUN_API_KEY=… MAILGUN_WEBHOOK_SIGNING_KEY=…');
  }
  return body.domains ?? null;
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

/** The domains of the local rules.yaml, or null (with a warning) when it cannot be read. */
async function localDomains(rules: string | undefined, io: CliIO, r: Report, domainGiven: boolean): Promise<string[] | null> {
  const quiet: CliIO = { ...io, err: () => undefined };
  const loaded = await loadForCli(rules, quiet);
  if (!loaded) r.warn(`could not read ${rules ?? io.env.RULES_FILE ?? './rules.yaml'} for the relay's domains`, `plus-relay check shows why; or pass --url (the relay's /healthz lists them)${domainGiven ? '' : ' or --domain'}`);
  return loaded ? [...loaded.domains] : null;
}
