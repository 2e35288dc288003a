import type { Command } from './io.js';
import { aliasAction } from './admin-client.js';

const USAGE = 'usage: plus-relay alias add <address> [--description TEXT] [--url http://127.0.0.1:8080]';

/** `alias add`: makes an address known ahead of its first message (it then passes `new_aliases: reject`). */
export const alias: Command = async ([sub, ...args], io) => {
  if (sub !== 'add') {
    io.err(`plus-relay: ${sub === undefined ? 'expected a subcommand' : `unknown subcommand ${JSON.stringify(sub)}`}\n${USAGE}`);
    return 2;
  }
  return aliasAction(io, args, USAGE, 'add');
};
