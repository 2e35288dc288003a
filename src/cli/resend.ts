import { parseArgs } from 'node:util';
import { callAdmin } from './admin-client.js';
import type { Command } from './io.js';

const USAGE = 'usage: plus-relay resend <failure-id> [--url http://127.0.0.1:8080]';

/**
 * Sends a failed forward's stored message again through a running relay (POST /admin/failures/<id>/resend), once
 * the cause is fixed. The id is the one `plus-relay doctor` and the admin page show. Once per failure: asking
 * again says when it was resent, and exits 1.
 */
export const resend: Command = async (args, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { url: { type: 'string' } } });
  } catch (err) {
    io.err(`plus-relay: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [id, ...extra] = parsed.positionals;
  if (id === undefined || extra.length > 0) {
    io.err(`plus-relay: expected exactly one failure id\n${USAGE}`);
    return 2;
  }
  const answer = await callAdmin(io, parsed.values.url, 'POST', `failures/${encodeURIComponent(id)}/resend`);
  if (!answer.ok) return answer.exit;
  const { message } = (answer.body ?? {}) as { message?: string };
  io.out(message ?? `resent ${id}`);
  return 0;
};
