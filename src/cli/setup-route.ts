import type { CliIO, Command } from './io.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { API_ENV, DRY_RUN_OPTION, RULES_ENV, RULES_OPTION } from './common-options.js';
import {
  LAST_PRIORITY,
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
  type Route,
} from './mailgun-client.js';
import { cliSendingDomain } from './sending-domain.js';
import { applyWebhooks, eventsUrl } from './webhooks.js';

export const SETUP_ROUTE = commandSpec({
  name: 'setup-route',
  args: '',
  summary: 'create or update the Mailgun route that forwards all mail here, and the failure webhooks',
  options: {
    url: { type: 'string', value: 'URL', help: 'required: where Mailgun posts, e.g. https://<app>.fly.dev/mailgun/inbound/mime' },
    priority: { type: 'string', value: 'N', help: "the route's priority, 0 (first) to 32767 (default: after every other route)" },
    rules: RULES_OPTION,
    'dry-run': DRY_RUN_OPTION,
  },
  env: { ...API_ENV, ...RULES_ENV },
  examples: ['plus-relay setup-route --url https://<app>.fly.dev/mailgun/inbound/mime --dry-run'],
});

/**
 * Makes Mailgun post the mail no other route takes to the relay: one `catch_all()` route with `forward(url)` and
 * `stop()`, evaluated after every other route of the account (placeRoute), recognised on later runs by its
 * description. Running it again updates that route (or leaves it alone), never adds a second one; duplicates from
 * racing runs are removed. Then the sending domain's failure webhooks are pointed at the relay's events URL, the
 * same way.
 */
export const setupRoute: Command = async (args, io) => {
  const parsed = parseCommand(SETUP_ROUTE, args, io);
  if (!parsed.ok) return parsed.exit;
  if (parsed.positionals.length > 0) return usageError(io, SETUP_ROUTE, `setup-route takes no arguments but options (${JSON.stringify(parsed.positionals[0])})`);
  const { url: input, priority: priorityText, 'dry-run': dryRun } = parsed.values;
  if (input === undefined) return usageError(io, SETUP_ROUTE, '--url is required');
  const priority = priorityText === undefined ? undefined : Number(priorityText);
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 32767)) {
    return usageError(io, SETUP_ROUTE, `--priority must be a whole number from 0 (evaluated first) to 32767, not ${JSON.stringify(priorityText)}`);
  }
  const target = checkRelayUrl(input);
  if (!target.ok) return usageError(io, SETUP_ROUTE, target.problem);
  if (target.warning) io.err(`warning: ${target.warning}`);
  const access = apiAccess(io);
  if (!access) return 1;
  const domain = await cliSendingDomain(io, parsed.values.rules);
  if (!domain) {
    io.err('plus-relay: cannot tell the sending domain, whose failure webhooks must post to the relay: set MAILGUN_DOMAIN, or run next to rules.yaml (--rules FILE)');
    return 1;
  }
  try {
    const code = await apply(access, target.url, priority, dryRun, io);
    if (code !== 0) return code;
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

type Placement = { ok: true; priority: number; moved: string | null } | { ok: false; problem: string };

/**
 * The relay's priority: --priority when given; else the current one while it already comes after every other
 * route; else LAST_PRIORITY, so that every other route of the account (other domains, made by hand or by other
 * tools, now or later at Mailgun's default priority 0) is evaluated before the relay's catch_all() takes the rest.
 */
function placeRoute(others: readonly Route[], current: number | undefined, requested: number | undefined): Placement {
  if (requested !== undefined) return { ok: true, priority: requested, moved: null };
  const last = others.reduce<Route | null>((a, r) => (a === null || r.priority > a.priority ? r : a), null);
  if (last === null || (current !== undefined && current > last.priority)) return { ok: true, priority: current ?? LAST_PRIORITY, moved: null };
  if (last.priority >= LAST_PRIORITY) {
    return {
      ok: false,
      problem: `route ${last.id} (${JSON.stringify(last.description)}) already has priority ${LAST_PRIORITY}, the last there is: the relay's catch_all() cannot come after it, and before it would take that route's mail. Give it a smaller priority number (Mailgun dashboard → Receiving → Routes), or choose one with --priority`,
    };
  }
  const moved = current === undefined ? null : `catch_all() must come after the account's ${others.length} other route${others.length === 1 ? '' : 's'} (the last at priority ${last.priority}), or it takes their mail`;
  return { ok: true, priority: LAST_PRIORITY, moved };
}

async function apply(access: ApiAccess, url: string, priority: number | undefined, dryRun: boolean, io: CliIO): Promise<number> {
  const { routes } = access.client;
  const out = io.out;
  const would = dryRun ? 'would ' : '';
  const all = await listAllRoutes(access.client);
  const [ours, ...extra] = relayRoutes(all);
  const others = all.filter((r) => r.description !== ROUTE_DESCRIPTION);
  const place = placeRoute(others, ours?.priority, priority);
  if (!place.ok) {
    io.err(`plus-relay: ${place.problem}`);
    return 1;
  }
  const wanted = { expression: ROUTE_EXPRESSION, action: [forwardAction(url), 'stop()'], description: ROUTE_DESCRIPTION };
  const next = { ...wanted, priority: place.priority };

  for (const r of extra) {
    if (!dryRun) await routes.destroy(r.id);
    out(`${would}delete duplicate route ${r.id}: ${describeRoute(r)}`);
  }
  if (!ours) {
    const id = dryRun ? '' : (await routes.create(withPriority(wanted, next.priority))).id;
    out(`${would}create route${id ? ` ${id}` : ''}: ${describeRoute({ ...next, actions: next.action })}`);
    if (!dryRun) await dedupe(access, id, out);
  } else {
    const same = ours.expression === next.expression && ours.priority === next.priority && ours.actions.join('\n') === next.action.join('\n');
    if (same) {
      out(`route ${ours.id} is already up to date: ${describeRoute(ours)}`);
    } else {
      if (!dryRun) await routes.update(ours.id, withPriority(wanted, next.priority));
      out(`${would}update route ${ours.id}`);
      out(`  from: ${describeRoute(ours)}`);
      out(`  to:   ${describeRoute({ ...next, actions: next.action })}`);
      if (place.moved) out(`  why:  ${place.moved}`);
    }
  }
  const after = others.filter((r) => r.priority >= next.priority);
  if (after.length > 0) {
    const named = after.slice(0, 3).map((r) => `${r.id} (priority ${r.priority})`).join(', ');
    out(`note: ${after.length} other route${after.length === 1 ? '' : 's'} (${named}${after.length > 3 ? ', …' : ''}) ${after.length === 1 ? 'comes' : 'come'} at or after priority ${next.priority}: the relay's catch_all() takes their mail first; leave out --priority to put the relay's route last`);
  }
  for (const r of others) {
    if (forwardUrls(r).includes(url)) {
      out(`note: route ${r.id} (${JSON.stringify(r.description)}) also forwards to ${url}: each message would arrive twice; delete it (Mailgun dashboard → Receiving → Routes)`);
    }
  }
  return 0;
}

/** Two runs at once can both create: every run keeps the oldest and deletes the rest, so they agree. */
async function dedupe(access: ApiAccess, created: string, out: (line: string) => void): Promise<void> {
  const [keep, ...extra] = relayRoutes(await listAllRoutes(access.client));
  for (const r of extra) {
    await access.client.routes.destroy(r.id).catch(() => undefined);
    if (r.id === created) out(`another run created route ${keep?.id ?? '?'} at the same time: kept that one, deleted ${r.id}`);
  }
}

