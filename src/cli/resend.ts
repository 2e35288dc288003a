import { callAdmin } from './admin-client.js';
import type { Command } from './io.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { ADMIN_ENV, RELAY_URL_OPTION } from './common-options.js';

export const RESEND = commandSpec({
  name: 'resend',
  args: '<failure-id>',
  summary: "send a failed forward again from Mailgun's storage, once the cause is fixed (the id from doctor or the page)",
  options: { url: RELAY_URL_OPTION },
  env: ADMIN_ENV,
  examples: ['plus-relay resend 3f9a0c1d2e4b --url https://<app>.fly.dev'],
});

/**
 * Sends a failed forward's stored message again through a running relay (POST /admin/failures/<id>/resend), once
 * the cause is fixed. The id is the one `plus-relay doctor` and the admin page show. Once per failure: asking
 * again says when it was resent, and exits 1.
 */
export const resend: Command = async (args, io) => {
  const parsed = parseCommand(RESEND, args, io);
  if (!parsed.ok) return parsed.exit;
  const [id, ...extra] = parsed.positionals;
  if (id === undefined || extra.length > 0) return usageError(io, RESEND, 'expected exactly one failure id');
  const answer = await callAdmin(io, parsed.values.url, 'POST', `failures/${encodeURIComponent(id)}/resend`);
  if (!answer.ok) return answer.exit;
  const { message } = (answer.body ?? {}) as { message?: string };
  io.out(message ?? `resent ${id}`);
  return 0;
};
