import type { Command } from './io.js';
import { commandSpec } from './command-spec.js';
import { ADMIN_ENV } from './common-options.js';
import { ALIAS_ADD_OPTIONS, aliasAction } from './admin-client.js';

export const ALIAS = commandSpec({
  name: 'alias',
  args: 'add <address> | forget <address>',
  summary: 'add an alias ahead of its first message (it then passes new_aliases: reject), or forget one: nothing about it is kept',
  options: ALIAS_ADD_OPTIONS,
  env: ADMIN_ENV,
  examples: [
    'plus-relay alias add newsletter@example.com',
    'plus-relay alias add news@example.com --description "Weekly news, signed up in May"',
    'plus-relay alias forget old-shop@example.com --url https://<app>.fly.dev',
  ],
});

/**
 * `alias add`: makes an address known ahead of its first message (it then passes `new_aliases: reject`).
 * `alias forget`: removes its entry, added, blocked or made through the alias API, and frees its place.
 */
export const alias: Command = (args, io) => aliasAction(io, args, ALIAS, 'alias');
