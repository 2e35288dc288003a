// Credentials and requests for /admin, as the CLI (Bearer) and a browser (Basic) send them.
import type { FastifyInstance } from 'fastify';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export const bearer = (token = ADMIN_TOKEN) => ({ authorization: `Bearer ${token}` });
export const basic = (password = ADMIN_TOKEN, user = 'admin') => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/** GET /admin/aliases as the CLI does; `query` e.g. `?address=x@d.example`. */
export async function aliases(app: FastifyInstance, query = ''): Promise<Array<Record<string, unknown> & { address: string; blocked: boolean }>> {
  const res = await app.inject({ method: 'GET', url: `/admin/aliases${query}`, headers: bearer() });
  if (res.statusCode !== 200) throw new Error(`GET /admin/aliases${query}: ${res.statusCode} ${res.body}`);
  return (res.json() as { aliases: Array<Record<string, unknown> & { address: string; blocked: boolean }> }).aliases;
}

/** POST /admin/aliases/<address>[/<action>] with Bearer, as the CLI does. */
export function adminPost(app: FastifyInstance, address: string, action?: 'block' | 'unblock') {
  return app.inject({ method: 'POST', url: `/admin/aliases/${encodeURIComponent(address)}${action ? `/${action}` : ''}`, headers: bearer() });
}
