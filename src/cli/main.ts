#!/usr/bin/env node
import type { Command, CliIO } from './io.js';
import { route } from './route.js';
import { check } from './check.js';
import { simulate } from './simulate.js';
import { setupRoute } from './setup-route.js';
import { doctor } from './doctor.js';
import { sendAs } from './send-as.js';
import { aliases } from './aliases.js';
import { alias } from './alias.js';
import { block } from './block.js';
import { unblock } from './unblock.js';
import { resend } from './resend.js';

const COMMANDS: Record<string, { run: Command; help: string }> = {
  route: { run: route, help: 'route <address> [--rules FILE] [--from SENDER] [--json]   where an address goes, and which rule decided' },
  check: { run: check, help: 'check [--rules FILE]                                       validate rules.yaml (errors as file:line:col)' },
  simulate: { run: simulate, help: 'simulate <address> [--url URL] [--mime]                    post a signed sample message to a running relay' },
  'setup-route': { run: setupRoute, help: 'setup-route --url URL [--priority N] [--rules FILE] [--dry-run]  create or update the Mailgun route that forwards all mail here, and the failure webhooks' },
  doctor: { run: doctor, help: "doctor [--url URL] [--domain D]... [--rules FILE] [--fix]  check the relay, its route, the account's other domains, tracking, webhooks and bounce lists" },
  'send-as': { run: sendAs, help: 'send-as <address> [--password-file F] [--dry-run]          SMTP login to reply as the alias from Gmail ("Send mail as")' },
  aliases: { run: aliases, help: 'aliases [--json] [--leaks] [--url URL]                     the alias inventory of a running relay (needs ADMIN_TOKEN)' },
  alias: { run: alias, help: 'alias add <address> [--url URL]                            add an alias ahead of time (passes new_aliases: reject)' },
  block: { run: block, help: 'block <address> [--url URL]                                refuse an alias\'s mail (406) from the next message on' },
  unblock: { run: unblock, help: 'unblock <address> [--url URL]                              let a blocked alias receive mail again' },
  resend: { run: resend, help: 'resend <failure-id> [--url URL]                            send a failed forward again from Mailgun\'s storage (id from doctor)' },
};

const io: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env,
  cwd: process.cwd(),
};

const [name, ...args] = process.argv.slice(2);
const command = name ? COMMANDS[name] : undefined;
if (!command) {
  io.err(['usage: plus-relay <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n'));
  process.exitCode = name === undefined || name === '--help' || name === 'help' ? 0 : 2;
} else {
  process.exitCode = await command.run(args, io);
}
