import type { Report } from './doctor-report.js';
import {
  RAW_PATH,
  ROUTE_EXPRESSION,
  checkRelayUrl,
  describeRoute,
  explainApiError,
  forwardUrls,
  listAllDomains,
  listAllRoutes,
  relayRoutes,
  type ApiAccess,
  type Route,
} from './mailgun-client.js';
import { reach } from './route-reach.js';

const stops = (route: Route) => route.actions.some((a) => a.trim() === 'stop()');

/** The command that puts the relay's route right (as the fix of a finding). */
export function setupCommand(base: URL | null): string {
  return `plus-relay setup-route --url ${base ? `https://${base.host}` : 'https://<app>.fly.dev'}${RAW_PATH}`;
}
const named = (route: Route) => `route ${route.id} (${JSON.stringify(route.description)}, ${describeRoute(route)})`;

/**
 * The relay's route and how the account's other routes sit around it. Mailgun's routes are account-wide and run by
 * priority; catch_all() takes only what no earlier route matched. `relayDomains` (null: unknown) are the domains in
 * rules.yaml. Null when the API cannot be used at all (wrong key, unreachable): the remaining checks would say the same.
 */
export async function checkRoutes(access: ApiAccess, base: URL | null, relayDomains: readonly string[] | null, r: Report): Promise<{ all: Route[]; relay: Route | undefined } | null> {
  let all;
  try {
    all = await listAllRoutes(access.client);
  } catch (err) {
    r.fail(explainApiError(err, access.url));
    return null;
  }
  const setup = setupCommand(base);
  const ours = relayRoutes(all);
  const route = ours[0];
  if (!route) {
    r.fail('no plus-relay route in this Mailgun account: Mailgun does not post any mail to the relay', setup);
    return { all, relay: undefined };
  }
  if (ours.length > 1) r.fail(`${ours.length} plus-relay routes: each message is posted more than once`, `${setup} (keeps one, deletes the rest)`);
  const targets = forwardUrls(route);
  const catchAll = route.expression === ROUTE_EXPRESSION;
  if (!catchAll || !stops(route) || targets.length !== 1) {
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
  // Unknown domains, or an expression that cannot be read: assume it may take the relay's mail.
  const mayTakeRelayMail = (other: Route) => relayDomains === null || relayDomains.some((d) => reach(other.expression, d) !== 'none');
  for (const other of all) {
    if (other.description === route.description) continue;
    if (other.priority <= route.priority && (catchAll || stops(other)) && mayTakeRelayMail(other)) {
      r.warn(`${named(other)} is evaluated before the relay's: mail it matches never reaches the relay`, 'if the relay should have that mail, delete that route or narrow its expression (Mailgun dashboard → Receiving → Routes)');
    } else if (other.priority > route.priority && catchAll && stops(route)) {
      r.warn(`${named(other)} comes after the relay's catch_all() route (priority ${route.priority}), which takes every message left and stops: it never runs`, `${setup} (moves the relay's route after every other route)`);
    }
    if (targets.some((t) => forwardUrls(other).includes(t))) r.warn(`route ${other.id} also forwards to the relay: those messages arrive twice`, 'delete it (Mailgun dashboard → Receiving → Routes)');
  }
  return { all, relay: route };
}

/**
 * The account's domains that are not the relay's but whose mail the relay's catch_all() takes, because no earlier
 * route matches all of it: the relay refuses that mail for good (406, not in rules.yaml domains).
 */
export async function checkAccountDomains(access: ApiAccess, base: URL | null, all: readonly Route[], relay: Route, relayDomains: readonly string[], r: Report): Promise<void> {
  if (relay.expression !== ROUTE_EXPRESSION) return;
  let names: string[];
  try {
    names = await listAllDomains(access.client);
  } catch (err) {
    r.warn(`cannot list the account's domains to see whose mail the relay's route takes: ${explainApiError(err, access.url)}`);
    return;
  }
  const ours = new Set(relayDomains.map((d) => d.toLowerCase()));
  const others = all.filter((o) => o.description !== relay.description);
  const caught = names.filter((d) => !ours.has(d) && !others.some((o) => o.priority < relay.priority && reach(o.expression, d) === 'all'));
  const setup = setupCommand(base);
  for (const d of caught) {
    // A route for that domain exists but comes after the relay's, or the relay's is first of all: move the relay's.
    const shadowed = others.some((o) => o.priority >= relay.priority && reach(o.expression, d) === 'all');
    const ownRoute = `give ${d} its own route with a smaller priority number than the relay's (e.g. match_recipient(".*@${d}") → forward(…), stop()), or add ${d} to rules.yaml domains`;
    r.warn(
      `domain ${d} is in this Mailgun account but not in rules.yaml domains: no route before the relay's (priority ${relay.priority}) takes all of its mail, so the relay's catch_all() does and refuses it for good (406)`,
      shadowed ? `${setup} (moves the relay's route after ${d}'s route)` : relay.priority === 0 ? `${setup} (moves the relay's route last), then ${ownRoute}` : ownRoute,
    );
  }
  if (names.length > 0 && caught.length === 0) r.ok(`the relay's route takes mail only for the relay's domains (${names.length} domain${names.length === 1 ? '' : 's'} in the account)`);
}
