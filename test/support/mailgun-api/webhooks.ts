// Domain webhooks (per sending domain, by event id), with the answers mailgun.js unwraps: webhooks.list → body.webhooks,
// webhooks.get/create/update/destroy → body.webhook. Creating an id that exists is an error, as on the real API.
import type { ApiReply, ApiRequest, Webhooks } from './types.js';

export const WEBHOOK_IDS = ['accepted', 'delivered', 'opened', 'clicked', 'unsubscribed', 'complained', 'permanent_fail', 'temporary_fail'] as const;

const ofDomain = (webhooks: Webhooks, domain: string) => (webhooks[domain] ??= {});

export function listWebhooks(webhooks: Webhooks, domain: string): ApiReply {
  const mine = webhooks[domain] ?? {};
  return { status: 200, body: { webhooks: Object.fromEntries(Object.entries(mine).map(([id, urls]) => [id, { urls }])) } };
}

export function getWebhook(webhooks: Webhooks, domain: string, id: string): ApiReply {
  const urls = webhooks[domain]?.[id];
  return urls ? { status: 200, body: { webhook: { urls } } } : { status: 404, body: { message: 'Webhook not found' } };
}

export function createWebhook(webhooks: Webhooks, req: ApiRequest): ApiReply {
  const id = req.form.fields.id?.[0];
  const urls = req.form.fields.url ?? [];
  if (!id || !(WEBHOOK_IDS as readonly string[]).includes(id)) return { status: 400, body: { message: `Invalid webhook id: ${id ?? '(missing)'}` } };
  if (urls.length === 0) return { status: 400, body: { message: "'url' parameter is missing" } };
  const mine = ofDomain(webhooks, req.domain ?? '');
  if (mine[id]) return { status: 400, body: { message: `Webhook with the id ${id} already exists` } };
  mine[id] = urls;
  return { status: 200, body: { message: 'Webhook has been created', webhook: { urls } } };
}

export function updateWebhook(webhooks: Webhooks, req: ApiRequest, id: string): ApiReply {
  const urls = req.form.fields.url ?? [];
  const mine = ofDomain(webhooks, req.domain ?? '');
  if (!mine[id]) return { status: 404, body: { message: 'Webhook not found' } };
  if (urls.length === 0) return { status: 400, body: { message: "'url' parameter is missing" } };
  mine[id] = urls;
  return { status: 200, body: { message: 'Webhook has been updated', webhook: { urls } } };
}

export function deleteWebhook(webhooks: Webhooks, domain: string, id: string): ApiReply {
  const mine = ofDomain(webhooks, domain);
  const urls = mine[id];
  if (!urls) return { status: 404, body: { message: 'Webhook not found' } };
  delete mine[id];
  return { status: 200, body: { message: 'Webhook has been deleted', webhook: { urls } } };
}
