import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { getDomain } from 'tldts';
import { sendingDomain } from '../config.js';
import type { RouteDecision } from '../rules/types.js';
import type { CliIO, Command } from './io.js';
import { loadForCli } from './route.js';
import { commandSpec, parseCommand, usageError } from './command-spec.js';
import { API_ENV, DRY_RUN_OPTION, RULES_ENV, RULES_OPTION } from './common-options.js';
import { apiAccess, explainApiError, smtpHost, type ApiAccess } from './mailgun-client.js';

export const SEND_AS = commandSpec({
  name: 'send-as',
  args: '<address>',
  summary: 'an SMTP login to reply as the alias from Gmail ("Send mail as"), and what to type there',
  options: {
    'password-file': { type: 'string', value: 'FILE', help: 'use the password in FILE (5–32 characters) instead of a generated one' },
    'dry-run': DRY_RUN_OPTION,
    rules: RULES_OPTION,
  },
  env: { ...API_ENV, ...RULES_ENV },
  examples: ['plus-relay send-as github@example.com'],
});

// Mailgun refuses SMTP passwords outside 5–32 characters.
const MIN_PASSWORD = 5;
const MAX_PASSWORD = 32;
// A generated password is read off the screen into Gmail: no look-alikes (0/O, 1/l/I). 32 of 55 is ~185 bits.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * Lets Gmail's "Send mail as" reply as the alias (github@your.domain, not you+github@gmail.com) through Mailgun's
 * SMTP service: SMTP credentials for the alias on the sending domain (created, or a new password when they exist),
 * then exactly what to type into Gmail. The password appears once, in that block, and nowhere else.
 */
export const sendAs: Command = async (args, io) => {
  const parsed = parseCommand(SEND_AS, args, io);
  if (!parsed.ok) return parsed.exit;
  const [input, ...extra] = parsed.positionals;
  if (input === undefined || extra.length > 0) return usageError(io, SEND_AS, 'expected exactly one address');
  const address = input.trim().toLowerCase();
  const [local, domain, ...rest] = address.split('@');
  if (!local || !domain || rest.length || /[\s<>,;"]/.test(address)) return usageError(io, SEND_AS, `${JSON.stringify(input)} is not an email address`);
  const rules = await loadForCli(parsed.values.rules, io);
  if (rules === null) return 1;
  if (!rules.domains.includes(domain)) {
    return usageError(io, SEND_AS, `${address} is not on one of the relay's domains (${rules.domains.join(', ')}): Gmail's confirmation code for it would never reach you`);
  }
  const file = parsed.values['password-file'];
  const given = file === undefined ? null : await readPassword(resolve(io.cwd, file), file);
  if (given && 'problem' in given) return usageError(io, SEND_AS, given.problem);

  const access = apiAccess(io);
  if (!access) return 1;
  const sending = sendingDomain({ MAILGUN_DOMAIN: io.env.MAILGUN_DOMAIN?.trim() || undefined }, rules.domains);
  // Mailgun keeps a domain's logins on that domain: an alias on another relay domain logs in as <local>@<sending>.
  const login = `${local}@${sending}`;
  const dryRun = parsed.values['dry-run'];
  const password = given?.password ?? generatePassword();
  let existed: boolean;
  try {
    existed = await setCredentials(access, sending, login, dryRun ? null : password);
  } catch (err) {
    const missing = (err as { status?: unknown }).status === 404;
    io.err(`plus-relay: ${missing ? `${sending} is not a domain of this Mailgun account (add it: Sending → Domains; EU accounts: MAILGUN_API_URL=https://api.eu.mailgun.net)` : explainApiError(err, access.url)}`);
    return 1;
  }
  const would = dryRun ? 'would ' : '';
  io.out(existed ? `${would}set a new password for the SMTP login ${login} on ${sending} (anything using the old one needs the new one)` : `${would}create the SMTP login ${login} on ${sending}`);
  if (getDomain(domain) !== getDomain(sending)) {
    io.err(`warning: Mailgun signs what ${sending} sends; mail From ${domain} then fails DMARC where ${domain} enforces it. Add ${domain} as a sending domain in Mailgun and run this with MAILGUN_DOMAIN=${domain}.`);
  }
  const shown = file !== undefined ? `the contents of ${file}` : dryRun ? '(generated when you run this without --dry-run)' : password;
  instructions(io, { address, login, host: smtpHost(access.url), shown, decision: rules.route(address) });
  if (dryRun) io.out('dry run: nothing was changed');
  else if (file === undefined) io.out('Mailgun does not show this password again; run send-as again to set a new one.');
  return 0;
};

/** Whether the login existed. `password` null: only look (dry run). */
async function setCredentials(access: ApiAccess, domain: string, login: string, password: string | null): Promise<boolean> {
  const { domainCredentials } = access.client.domains;
  const existed = await hasLogin(access, domain, login);
  if (password === null) return existed;
  if (existed) {
    await domainCredentials.update(domain, login, { password });
    return true;
  }
  try {
    await domainCredentials.create(domain, { login, password });
    return false;
  } catch (err) {
    // Created since the list was read (another run, the dashboard): then it gets the new password instead.
    if (!(await hasLogin(access, domain, login))) throw err;
    await domainCredentials.update(domain, login, { password });
    return true;
  }
}

async function hasLogin(access: ApiAccess, domain: string, login: string): Promise<boolean> {
  const limit = 100;
  for (let skip = 0; skip < 100_000; skip += limit) {
    const page = await access.client.domains.domainCredentials.list(domain, { limit, skip });
    if (page.items.some((c) => c.login.toLowerCase() === login)) return true;
    if (page.items.length < limit) break;
  }
  return false;
}

function instructions(io: CliIO, s: { address: string; login: string; host: string; shown: string; decision: RouteDecision }): void {
  io.out('');
  io.out('In Gmail: Settings → See all settings → Accounts and Import → Send mail as → Add another email address');
  io.out('  Name:              the name recipients should see');
  io.out(`  Email address:     ${s.address}`);
  io.out('  Treat as an alias: ticked');
  io.out('Next Step, then:');
  io.out(`  SMTP Server:       ${s.host}`);
  io.out('  Port:              587');
  io.out(`  Username:          ${s.login}`);
  io.out(`  Password:          ${s.shown}`);
  io.out('  Secured connection using TLS (recommended)');
  if (s.decision.action === 'forward') {
    io.out(`Add Account: Gmail mails a confirmation code to ${s.address}, which the relay forwards to ${s.decision.to.join(', ')}; type it into Gmail.`);
  } else {
    io.err(`warning: rules.yaml rejects mail to ${s.address} (${s.decision.reason}): Gmail's confirmation code would not reach you. Change the rules first.`);
  }
  io.out('To answer from the alias by default: Accounts and Import → When replying to a message → Reply from the same address the message was sent to.');
  io.out('');
}

/** The file's content minus its trailing newline, or why Mailgun would refuse it (never the password itself). */
async function readPassword(path: string, name: string): Promise<{ password: string } | { problem: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { problem: `cannot read --password-file ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    return { problem: `the password in ${name} has ${password.length} characters: Mailgun takes ${MIN_PASSWORD} to ${MAX_PASSWORD}` };
  }
  if (/[\x00-\x1f\x7f]/.test(password)) return { problem: `the password in ${name} holds a line break or another control character` };
  return { password };
}

function generatePassword(): string {
  return Array.from({ length: MAX_PASSWORD }, () => ALPHABET.charAt(randomInt(ALPHABET.length))).join('');
}
