import { EVENTS_PATH } from '../events/routes.js';
import type { MailgunClient } from './mailgun-client.js';

/** The sending domain's webhooks that report failed forwards to the relay. */
export const FAILURE_WEBHOOKS = ['permanent_fail', 'temporary_fail'] as const;
export type FailureWebhook = (typeof FAILURE_WEBHOOKS)[number];

/** The relay's events URL: the origin Mailgun posts mail to, with /mailgun/events. */
export function eventsUrl(relayUrl: string): string {
  return new URL(EVENTS_PATH, new URL(relayUrl).origin).href;
}

/** An events URL of some plus-relay (this one at an old address, say): the one setup-route replaces. */
export function isEventsUrl(url: string): boolean {
  return URL.canParse(url) && new URL(url).pathname === EVENTS_PATH;
}

/** Webhook id → its URLs on the domain (older API answers carry one `url` instead of `urls`). */
export async function webhookUrls(client: MailgunClient, domain: string): Promise<Record<string, string[]>> {
  const list = (await client.webhooks.list(domain, {})) as Record<string, { urls?: unknown; url?: unknown } | undefined>;
  const out: Record<string, string[]> = {};
  for (const [id, hook] of Object.entries(list ?? {})) {
    const urls = Array.isArray(hook?.urls) ? hook.urls : typeof hook?.url === 'string' ? [hook.url] : [];
    out[id] = urls.filter((u): u is string => typeof u === 'string');
  }
  return out;
}

export interface WebhookStep {
  id: FailureWebhook;
  action: 'create' | 'update' | 'keep';
  from: string[];
  to: string[];
}

/**
 * What each failure webhook needs so that it posts to `url`: create it, point it there (keeping URLs of other
 * services, replacing another relay events URL), or nothing. Pure, so --dry-run shows exactly what a run does.
 */
export function planWebhooks(current: Readonly<Record<string, readonly string[]>>, url: string): WebhookStep[] {
  return FAILURE_WEBHOOKS.map((id) => {
    const from = [...(current[id] ?? [])];
    const to = [url, ...from.filter((u) => u !== url && !isEventsUrl(u))];
    const action = from.length === 0 ? 'create' : from.length === to.length && to.every((u) => from.includes(u)) ? 'keep' : 'update';
    return { id, action, from, to };
  });
}

/**
 * Registers the relay's events URL as the domain's permanent_fail and temporary_fail webhooks, idempotently:
 * an existing webhook is updated, never created twice (a create that races another run falls back to update).
 */
export async function applyWebhooks(client: MailgunClient, domain: string, url: string, dryRun: boolean, out: (line: string) => void): Promise<void> {
  const would = dryRun ? 'would ' : '';
  for (const step of planWebhooks(await webhookUrls(client, domain), url)) {
    const to = step.to.join(', ');
    if (step.action === 'keep') {
      out(`webhook ${step.id} of ${domain} is already up to date: ${to}`);
      continue;
    }
    if (!dryRun && step.action === 'create') await createOrUpdate(client, domain, step);
    else if (!dryRun) await client.webhooks.update(domain, step.id, step.to);
    out(step.action === 'create' ? `${would}create webhook ${step.id} of ${domain}: ${to}` : `${would}update webhook ${step.id} of ${domain}: ${step.from.join(', ')} → ${to}`);
  }
}

/** Another run may have created it since we looked (Mailgun refuses a second create): then it is an update. */
async function createOrUpdate(client: MailgunClient, domain: string, step: WebhookStep): Promise<void> {
  try {
    await client.webhooks.create(domain, step.id, step.to[0] ?? '', false);
  } catch (err) {
    const now = (await webhookUrls(client, domain).catch((): Record<string, string[]> => ({})))[step.id] ?? [];
    if (now.length === 0) throw err;
    await client.webhooks.update(domain, step.id, planWebhooks({ [step.id]: now }, step.to[0] ?? '').find((s) => s.id === step.id)?.to ?? step.to);
  }
}
