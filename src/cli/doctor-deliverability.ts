import { sendingDomain } from '../config.js';
import { bounceKind } from '../events/bounce-code.js';
import type { RuleSet } from '../rules/compile.js';
import type { Report } from './doctor-report.js';
import type { CliIO } from './io.js';
import { RAW_PATH, explainApiError, forwardUrls, listAllRoutes, relayRoutes, type ApiAccess } from './mailgun-client.js';
import { checkRecordedFailures } from './doctor-failures.js';
import { loadForCli } from './route.js';
import { FAILURE_WEBHOOKS, eventsUrl, isEventsUrl, webhookUrls } from './webhooks.js';

export interface DeliverabilityCheck {
  access: ApiAccess;
  io: CliIO;
  /** The relay's address from --url, if given. */
  base: URL | null;
  /** The domains the relay reported at /healthz, if it was reached. */
  relayDomains: readonly string[] | null;
  rulesOption: string | undefined;
  /** --fix: remove rule targets from the bounce and complaint lists. */
  fix: boolean;
}

/**
 * What happens after a forward is queued: the sending domain's failure webhooks post to the relay, no rule
 * target sits on its bounce or complaint list (--fix removes them), and the failures the relay recorded.
 */
export async function checkDeliverability(check: DeliverabilityCheck, r: Report): Promise<void> {
  const { access, io } = check;
  const rules = await loadForCli(check.rulesOption, { ...io, err: () => undefined });
  // The running relay's domains (from /healthz) first, else the local rules file's.
  const known = check.relayDomains?.length ? check.relayDomains : (rules?.domains ?? []);
  const domain = sendingDomain({ MAILGUN_DOMAIN: io.env.MAILGUN_DOMAIN?.trim() || undefined }, known);
  if (!domain) {
    r.warn('cannot tell the sending domain: its webhooks and bounce list are not checked', 'set MAILGUN_DOMAIN, or run doctor next to rules.yaml (--rules FILE)');
  } else {
    await checkWebhooks(access, domain, await relayUrl(access, check.base), r);
    await checkSuppressions(access, domain, rules, check.fix, r);
  }
  await checkRecordedFailures(io, r);
}

/** Where Mailgun reaches the relay: --url's host (over https, as Mailgun must post), else where the relay's route forwards mail. */
async function relayUrl(access: ApiAccess, base: URL | null): Promise<string | null> {
  if (base) return `https://${base.host}${RAW_PATH}`;
  const route = relayRoutes(await listAllRoutes(access.client).catch(() => []))[0];
  return (route && forwardUrls(route)[0]) ?? null;
}

async function checkWebhooks(access: ApiAccess, domain: string, relay: string | null, r: Report): Promise<void> {
  let current: Record<string, string[]>;
  try {
    current = await webhookUrls(access.client, domain);
  } catch (err) {
    r.fail(`webhooks of ${domain}: ${explainApiError(err, access.url)}`);
    return;
  }
  const expected = relay ? eventsUrl(relay) : null;
  const setup = `plus-relay setup-route --url ${relay ? new URL(RAW_PATH, relay).href : `https://<app>.fly.dev${RAW_PATH}`}`;
  let good = 0;
  for (const id of FAILURE_WEBHOOKS) {
    const urls = current[id] ?? [];
    const what = id === 'permanent_fail' ? 'bounce or are refused' : 'are delayed or given up';
    if (urls.length === 0) r.fail(`no ${id} webhook on ${domain}: the relay never hears of forwards that ${what}`, setup);
    else if (expected ? !urls.includes(expected) : !urls.some(isEventsUrl)) r.fail(`the ${id} webhook of ${domain} posts to ${urls.join(', ')}, not to the relay${expected ? ` (${expected})` : ''}`, setup);
    else good += 1;
  }
  if (good === FAILURE_WEBHOOKS.length) r.ok(`failed forwards on ${domain} are reported to ${expected ?? 'the relay'} (${FAILURE_WEBHOOKS.join(' and ')} webhooks)`);
}

interface Listed {
  address: string;
  code: number | null;
  error: string;
  since: string;
}

// 100 pages of 1000: far beyond a personal domain's lists, and a bound on what one doctor run may read.
const PAGE = 1000;
const MAX_PAGES = 100;

async function listAll(access: ApiAccess, domain: string, list: 'bounces' | 'complaints'): Promise<Listed[]> {
  const all: Listed[] = [];
  let page = await access.client.suppressions.list(domain, list, { limit: PAGE });
  for (let n = 0; n < MAX_PAGES && page.items.length > 0; n++) {
    for (const item of page.items) {
      const { address, code, error, created_at } = item as { address?: unknown; code?: unknown; error?: unknown; created_at?: unknown };
      if (typeof address !== 'string') continue;
      const since = created_at instanceof Date && !Number.isNaN(created_at.getTime()) ? created_at.toISOString().slice(0, 10) : 'an unknown date';
      all.push({ address, code: typeof code === 'number' && Number.isInteger(code) ? code : null, error: typeof error === 'string' ? error : '', since });
    }
    const next = page.pages.next?.page;
    if (!next || page.items.length < PAGE) break;
    page = await access.client.suppressions.list(domain, list, { page: next });
  }
  return all;
}

async function checkSuppressions(access: ApiAccess, domain: string, rules: RuleSet | null, fix: boolean, r: Report): Promise<void> {
  if (!rules) {
    r.warn(`cannot tell which addresses on the bounce and complaint lists of ${domain} are rule targets without the rules file`, 'run doctor next to rules.yaml, or pass --rules FILE');
    return;
  }
  let found = 0;
  for (const list of ['bounces', 'complaints'] as const) {
    let targets: Listed[];
    try {
      targets = (await listAll(access, domain, list)).filter((s) => rules.isTarget(s.address));
    } catch (err) {
      r.fail(`the ${list} list of ${domain}: ${explainApiError(err, access.url)}`);
      continue;
    }
    found += targets.length;
    for (const s of targets) await suppressed(access, domain, list, s, fix, r);
  }
  if (found === 0) r.ok(`no rule target is on the bounce or complaint list of ${domain}`);
}

async function suppressed(access: ApiAccess, domain: string, list: 'bounces' | 'complaints', s: Listed, fix: boolean, r: Report): Promise<void> {
  const name = list === 'bounces' ? 'bounce' : 'complaint';
  // Mailgun's stored error usually starts with the code already ("550 5.7.26 …").
  const status = s.code === null || s.error.startsWith(String(s.code)) ? s.error : `${s.code} ${s.error}`;
  const why = list === 'bounces' ? status.trim() || 'no reason stored' : 'a forward was marked as spam';
  const missing = list === 'bounces' && bounceKind({ code: s.code, message: s.error }) === 'missing-mailbox';
  if (!fix) {
    const remedy = missing ? 'the mailbox does not exist: correct the target in rules.yaml, then plus-relay doctor --fix' : 'plus-relay doctor --fix removes it';
    r.fail(`${s.address}, a rule target, is on the ${name} list of ${domain} since ${s.since} (${why}): Mailgun drops every forward to it`, remedy);
    return;
  }
  try {
    await access.client.suppressions.destroy(domain, list, s.address);
  } catch (err) {
    r.fail(`could not remove ${s.address} from the ${name} list of ${domain}: ${explainApiError(err, access.url)}`);
    return;
  }
  r.ok(`removed ${s.address} from the ${name} list of ${domain} (${why})`);
  if (missing) r.warn(`${s.address} bounced because the mailbox does not exist: the next forward bounces again`, 'correct the target in rules.yaml');
}
