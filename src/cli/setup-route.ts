import { parseArgs } from 'node:util';
import type { Command } from './io.js';
import { usage } from './route.js';
import {
  ROUTE_DESCRIPTION,
  ROUTE_EXPRESSION,
  apiAccess,
  checkRelayUrl,
  describeRoute,
  explainApiError,
  forwardAction,
  forwardUrls,
  listAllRoutes,
  relayRoutes,
  type ApiAccess,
} from './mailgun-client.js';
import { cliSendingDomain } from './sending-domain.js';
import { applyWebhooks, eventsUrl } from './webhooks.js';

const USAGE = 'usage: plus-relay setup-route --url https://<app>.fly.dev/mailgun/inbound/mime [--priority N] [--rules FILE] [--dry-run]';

/**
 * Makes Mailgun post all mail of the account's domains to the relay: one `catch_all()` route with
 * `forward(url)` and `stop()`, recognised on later runs by its description. Running it again updates that
 * route (or leaves it alone), never adds a second one; duplicates from racing runs are removed. Then the
 * sending domain's failure webhooks are pointed at the relay's events URL, the same way.
 */
export const setupRoute: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { url: { type: 'string' }, priority: { type: 'string' }, rules: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } } });
  } catch (err) {
    return usage(io, (err as Error).message, USAGE);
  }
  const { url: input, priority: priorityText, 'dry-run': dryRun } = parsed.values;
  if (input === undefined) return usage(io, '--url is required', USAGE);
  const priority = priorityText === undefined ? undefined : Number(priorityText);
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 32767)) {
    return usage(io, `--priority must be a whole number from 0 (evaluated first) to 32767, not ${JSON.stringify(priorityText)}`, USAGE);
  }
  const target = checkRelayUrl(input);
  if (!target.ok) return usage(io, target.problem, USAGE);
  if (target.warning) io.err(`warning: ${target.warning}`);
  const access = apiAccess(io);
  if (!access) return 1;
  const domain = await cliSendingDomain(io, parsed.values.rules);
  if (!domain) {
    io.err('plus-relay: cannot tell the sending domain, whose failure webhooks must post to the relay: set MAILGUN_DOMAIN, or run next to rules.yaml (--rules FILE)');
    return 1;
  }
  try {
    await apply(access, target.url, priority, dryRun, io.out);
    await applyWebhooks(access.client, domain, eventsUrl(target.url), dryRun, io.out);
    if (dryRun) io.out('dry run: nothing was changed');
    return 0;
  } catch (err) {
    io.err(`plus-relay: ${explainApiError(err, access.url)}`);
    return 1;
  }
};

type RouteData = Parameters<ApiAccess['client']['routes']['create']>[0];

/**
 * mailgun.js leaves falsy values out of the form, so a numeric priority 0 would never be sent (and an update to 0
 * would silently keep the old priority). As a string, "0" is truthy and goes out as the field Mailgun expects.
 */
function withPriority(data: Omit<RouteData, 'priority'>, priority: number): RouteData {
  return { ...data, priority: String(priority) as unknown as number };
}

async function apply(access: ApiAccess, url: string, priority: number | undefined, dryRun: boolean, out: (line: string) => void): Promise<void> {
  const { routes } = access.client;
  const would = dryRun ? 'would ' : '';
  const all = await listAllRoutes(access.client);
  const [ours, ...extra] = relayRoutes(all);
  const wanted = { expression: ROUTE_EXPRESSION, action: [forwardAction(url), 'stop()'], description: ROUTE_DESCRIPTION };

  for (const r of extra) {
    if (!dryRun) await routes.destroy(r.id);
    out(`${would}delete duplicate route ${r.id}: ${describeRoute(r)}`);
  }
  if (!ours) {
    const data = { ...wanted, priority: priority ?? 0 };
    const id = dryRun ? '' : (await routes.create(withPriority(wanted, data.priority))).id;
    out(`${would}create route${id ? ` ${id}` : ''}: ${describeRoute({ ...data, actions: data.action })}`);
    if (!dryRun) await dedupe(access, id, out);
  } else {
    const next = { ...wanted, priority: priority ?? ours.priority };
    const same = ours.expression === next.expression && ours.priority === next.priority && ours.actions.join('\n') === next.action.join('\n');
    if (same) {
      out(`route ${ours.id} is already up to date: ${describeRoute(ours)}`);
    } else {
      if (!dryRun) await routes.update(ours.id, withPriority(wanted, next.priority));
      out(`${would}update route ${ours.id}`);
      out(`  from: ${describeRoute(ours)}`);
      out(`  to:   ${describeRoute({ ...next, actions: next.action })}`);
    }
  }
  for (const r of all) {
    if (r.description !== ROUTE_DESCRIPTION && forwardUrls(r).includes(url)) {
      out(`note: route ${r.id} (${JSON.stringify(r.description)}) also forwards to ${url}: each message would arrive twice; delete it (Mailgun dashboard → Receiving → Routes)`);
    }
  }
}

/** Two runs at once can both create: every run keeps the oldest and deletes the rest, so they agree. */
async function dedupe(access: ApiAccess, created: string, out: (line: string) => void): Promise<void> {
  const [keep, ...extra] = relayRoutes(await listAllRoutes(access.client));
  for (const r of extra) {
    await access.client.routes.destroy(r.id).catch(() => undefined);
    if (r.id === created) out(`another run created route ${keep?.id ?? '?'} at the same time: kept that one, deleted ${r.id}`);
  }
}

