import type { Command } from './io.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { ADMIN_ENV } from './common-options.js';
import { ALIAS_ADD_OPTIONS, aliasAction } from './admin-client.js';
import { importAliases } from './alias-import.js';

export const ALIAS = commandSpec({
  name: 'alias',
  args: 'add <address> | import <file> | forget <address>',
  summary: 'add an alias ahead of its first message, or import many from a file (they then pass new_aliases: reject), or forget one: nothing about it is kept',
  options: ALIAS_ADD_OPTIONS,
  env: ADMIN_ENV,
  examples: [
    'plus-relay alias add newsletter@example.com',
    'plus-relay alias add news@example.com --description "Weekly news, signed up in May"',
    'plus-relay alias import aliases.txt',
    'plus-relay alias import addy-export.csv --url https://relay.example.com',
    'plus-relay alias forget old-shop@example.com --url https://<app>.fly.dev',
  ],
});

/**
 * `alias add`: makes an address known ahead of its first message (it then passes `new_aliases: reject`).
 * `alias import FILE`: makes every address of a file known, in one call (alias-import.ts).
 * `alias forget`: removes its entry, added, blocked or made through the alias API, and frees its place.
 */
export const alias: Command = async (args, io) => {
  const parsed = parseCommand(ALIAS, args, io);
  if (!parsed.ok) return parsed.exit;
  const [sub, file, ...extra] = parsed.positionals;
  if (sub !== 'import') return aliasAction(io, args, ALIAS, 'alias');
  if (parsed.values.description !== undefined) return usageError(io, ALIAS, '--description is for alias add (an import stores none)');
  if (file === undefined || extra.length > 0) return usageError(io, ALIAS, 'expected exactly one file');
  return importAliases(io, file, parsed.values.url);
};
