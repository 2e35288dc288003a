import type { OptionSpec } from './command-spec.js';

// Options and environment variables several commands share, described once for all their --help texts.

export const RULES_OPTION = { type: 'string', value: 'FILE', help: 'the rules file (default: $RULES_FILE, else ./rules.yaml)' } as const satisfies OptionSpec;
export const RULES_ENV = { RULES_FILE: 'the rules file when --rules is not given' } as const;

export const RELAY_URL_OPTION = { type: 'string', value: 'URL', help: 'the running relay (default: http://127.0.0.1:$PORT, PORT 8080)' } as const satisfies OptionSpec;
export const ADMIN_ENV = {
  ADMIN_TOKEN: "the relay's ADMIN_TOKEN: the admin API's password",
  PORT: "the local relay's port when --url is not given (default 8080)",
} as const;

export const DRY_RUN_OPTION = { type: 'boolean', default: false, help: 'show what would change, change nothing' } as const satisfies OptionSpec;
export const API_ENV = {
  MAILGUN_API_KEY: 'your private API key (Mailgun dashboard → API Security)',
  MAILGUN_API_URL: 'the API base, https://api.eu.mailgun.net for EU accounts (default https://api.mailgun.net)',
  MAILGUN_DOMAIN: "the sending domain (default: the first of the rules file's domains)",
} as const;
