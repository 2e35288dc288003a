import type { Command } from './io.js';
import { commandSpec } from './command-spec.js';
import { ADMIN_ENV } from './common-options.js';
import { ALIAS_ACTION_OPTIONS, aliasAction } from './admin-client.js';

export const UNBLOCK = commandSpec({
  name: 'unblock',
  args: '<address>',
  summary: 'let a blocked alias receive mail again',
  options: ALIAS_ACTION_OPTIONS,
  env: ADMIN_ENV,
  examples: ['plus-relay unblock github@example.com --url https://<app>.fly.dev'],
});

/** Unblocks an alias on a running relay. */
export const unblock: Command = (args, io) => aliasAction(io, args, UNBLOCK, 'unblock');
