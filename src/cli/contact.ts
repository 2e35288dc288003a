import type { Command } from './io.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { ADMIN_ENV } from './common-options.js';
import { ALIAS_ACTION_OPTIONS, callAdmin } from './admin-client.js';

export const CONTACT = commandSpec({
  name: 'contact',
  args: '<alias> <address>',
  summary: 'print the address to write to so that your mail leaves as <alias> to <address> (needs replies: true)',
  options: ALIAS_ACTION_OPTIONS,
  env: ADMIN_ENV,
  examples: ['plus-relay contact shop@example.com support@shop.example --url https://<app>.fly.dev'],
});

/** Writing first from an alias: asks the running relay for the reply address of (alias, address) and prints it. */
export const contact: Command = async (args, io) => {
  const parsed = parseCommand(CONTACT, args, io);
  if (!parsed.ok) return parsed.exit;
  const [alias, address, ...extra] = parsed.positionals;
  if (alias === undefined || address === undefined || extra.length > 0) return usageError(io, CONTACT, 'expected an alias and an address');
  const answer = await callAdmin(io, parsed.values.url, 'POST', 'contacts', { alias, address });
  if (!answer.ok) return answer.exit;
  const replyAddress = (answer.body as { reply_address?: unknown } | null)?.reply_address;
  if (typeof replyAddress !== 'string') {
    io.err('plus-relay: the relay answered without a reply_address (an older relay?)');
    return 1;
  }
  // The address first, alone before the spaces: a script takes the first word.
  io.out(`${replyAddress}  (mail from your own mailbox to it leaves as ${alias.toLowerCase()} to ${address.toLowerCase()})`);
  return 0;
};
