import type { FastifyInstance } from 'fastify';
import type { RouteDecision } from '../rules/types.js';
import { parseAddress } from '../rules/address.js';
import type { ReplyAddresses } from '../store/reply-addresses.js';
import { replyAddressFor } from '../forward/reply-address.js';
import { aliasAddress } from './address.js';
import { bodyField, isFormPost } from './routes.js';
import { contactPage, PAGE_HEADERS } from './page.js';
import { AdminBadInput } from './errors.js';

export interface ContactDeps {
  replies: ReplyAddresses;
  domains(): readonly string[];
  route(address: string): RouteDecision;
}

/**
 * POST /admin/contacts `{alias, address}` → `{reply_address}`: writing first from an alias. Mail from the owner to
 * the reply address leaves as the alias to `address`. Asked for by the owner, so it is pinned (never given way).
 */
export function contactRoutes(app: FastifyInstance, deps: ContactDeps): void {
  app.post('/contacts', async (request, reply) => {
    const alias = aliasAddress(bodyField(request.body, 'alias')?.trim(), deps.domains());
    const raw = bodyField(request.body, 'address')?.trim() ?? '';
    const contact = parseAddress(raw);
    if (!contact) throw new AdminBadInput(`${JSON.stringify(raw.slice(0, 100))} is not one plain address (local@domain)`);
    const decision = deps.route(alias);
    if (decision.action !== 'forward') throw new AdminBadInput(`${alias} does not forward (${decision.reason}): nothing can be sent as it`);
    if (!decision.replies) throw new AdminBadInput(`replies are off for ${alias}: set replies: true in rules.yaml (top level, or the user's mapping form)`);
    const replyAddress = await replyAddressFor(deps.replies, { alias, contact: `${contact.local}@${contact.domain}`, user: decision.user }, true);
    if (isFormPost(request)) return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(contactPage(alias, `${contact.local}@${contact.domain}`, replyAddress));
    return { reply_address: replyAddress };
  });
}
