import type { Command } from './io.js';
import { commandSpec } from './command-spec.js';
import { ADMIN_ENV } from './common-options.js';
import { ALIAS_ACTION_OPTIONS, aliasAction } from './admin-client.js';

export const BLOCK = commandSpec({
  name: 'block',
  args: '<address>',
  summary: "refuse an alias's mail (406, nothing sent) from the next message on",
  options: ALIAS_ACTION_OPTIONS,
  env: ADMIN_ENV,
  examples: ['plus-relay block github@example.com --url https://<app>.fly.dev'],
});

/** Blocks an alias on a running relay: its mail is refused (406) from the next message on, on every instance. */
export const block: Command = (args, io) => aliasAction(io, args, BLOCK, 'block');
