import type { CommandSpec } from './command-spec.js';
import type { CliIO, Command } from './io.js';
import { commandList, helpText } from './command-spec.js';
import { nearest } from './suggest.js';
import { ROUTE, route } from './route.js';
import { CHECK, check } from './check.js';
import { SIMULATE, simulate } from './simulate.js';
import { SETUP_ROUTE, setupRoute } from './setup-route.js';
import { DOCTOR, doctor } from './doctor.js';
import { SEND_AS, sendAs } from './send-as.js';
import { ALIASES, aliases } from './aliases.js';
import { ALIAS, alias } from './alias.js';
import { CONTACT, contact } from './contact.js';
import { BLOCK, block } from './block.js';
import { UNBLOCK, unblock } from './unblock.js';
import { DIGEST, digest } from './digest.js';
import { RESEND, resend } from './resend.js';
import { version } from './version.js';

/** Every command, in the order `plus-relay --help` lists them. */
export const COMMANDS: ReadonlyArray<{ spec: CommandSpec; run: Command }> = [
  { spec: ROUTE, run: route },
  { spec: CHECK, run: check },
  { spec: SIMULATE, run: simulate },
  { spec: SETUP_ROUTE, run: setupRoute },
  { spec: DOCTOR, run: doctor },
  { spec: SEND_AS, run: sendAs },
  { spec: ALIASES, run: aliases },
  { spec: ALIAS, run: alias },
  { spec: CONTACT, run: contact },
  { spec: BLOCK, run: block },
  { spec: UNBLOCK, run: unblock },
  { spec: RESEND, run: resend },
  { spec: DIGEST, run: digest },
];

const HELP = ['--help', '-h', 'help'];
const VERSION = ['--version', '-V', 'version'];

/** `plus-relay <argv…>`: picks the command, or answers help and unknown commands. Returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  const find = (n: string | undefined) => COMMANDS.find((c) => c.spec.name === n);
  if (name === undefined) {
    // No command is a mistake (a script that lost its arguments must not look like success): the list, on stderr.
    io.err(commandList(COMMANDS.map((c) => c.spec)));
    return 2;
  }
  if (VERSION.includes(name)) {
    io.out(`plus-relay ${version()}`);
    return 0;
  }
  if (HELP.includes(name)) {
    // `plus-relay help simulate` is `plus-relay simulate --help`.
    const topic = find(args[0]);
    io.out(topic ? helpText(topic.spec) : commandList(COMMANDS.map((c) => c.spec)));
    return 0;
  }
  const command = find(name);
  if (command) return command.run(args, io);
  const guess = nearest(name, COMMANDS.map((c) => c.spec.name));
  io.err(`plus-relay: unknown ${name.startsWith('-') ? 'option' : 'command'} ${JSON.stringify(name)}${guess ? `: did you mean ${guess}?` : ''}`);
  io.err('(plus-relay --help lists the commands)');
  return 2;
}
