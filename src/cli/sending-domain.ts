import { sendingDomain } from '../config.js';
import type { CliIO } from './io.js';
import { loadForCli } from './route.js';

/**
 * The domain the relay sends from, found as the relay finds it: MAILGUN_DOMAIN, else the first of the rules
 * file's `domains:` (--rules, RULES_FILE or ./rules.yaml). Null when neither is there (the rules file's
 * problems are printed).
 */
export async function cliSendingDomain(io: CliIO, rulesOption: string | undefined): Promise<string | null> {
  const env = { MAILGUN_DOMAIN: io.env.MAILGUN_DOMAIN?.trim() || undefined };
  // MAILGUN_DOMAIN decides without the rules file, whose problems would otherwise be printed for nothing.
  const domains = env.MAILGUN_DOMAIN ? [] : ((await loadForCli(rulesOption, io))?.domains ?? []);
  return sendingDomain(env, domains) || null;
}
