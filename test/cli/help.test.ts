// `plus-relay --help`, each command's --help/-h, and what a typo or an unreachable relay gets: through runCli (the
// real dispatch of bin/plus-relay), and once through the process itself for its exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { runCli } from '../../src/cli/commands.js';
import { editDistance, nearest } from '../../src/cli/suggest.js';
import { recordingIO } from '../helpers/cli-io.js';
import { ROOT } from '../helpers/relay-process.js';
import { freePort } from '../support/free-port.js';

const NAMES = ['route', 'check', 'simulate', 'setup-route', 'doctor', 'send-as', 'aliases', 'alias', 'block', 'unblock'];

async function cli(args: string[], env: Record<string, string> = {}) {
  const rec = recordingIO(ROOT, env);
  const code = await runCli(args, rec.io);
  return { code, out: rec.out.join('\n'), err: rec.err.join('\n') };
}

test('plus-relay with no command prints the usage on stderr and fails, so a script that lost its arguments stops', async () => {
  const { code, out, err } = await cli([]);
  assert.equal(code, 2);
  assert.equal(out, '');
  assert.match(err, /^usage: plus-relay <command> \[options\]$/m);
  for (const name of NAMES) assert.match(err, new RegExp(`^  ${name} +\\S`, 'm'), name);
});

test('plus-relay --version, -V and version print the version of package.json, exit 0', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['--version'], ['-V'], ['version']]) {
    const { code, out, err } = await cli(args);
    assert.equal(code, 0, args.join(' '));
    assert.equal(err, '');
    assert.equal(out, `plus-relay ${pkg.version}`);
  }
});

test('plus-relay --help, -h and help list every command on stdout, exit 0', async () => {
  for (const args of [['--help'], ['-h'], ['help']]) {
    const { code, out, err } = await cli(args);
    assert.equal(code, 0, args.join(' '));
    assert.equal(err, '');
    for (const name of NAMES) assert.match(out, new RegExp(`^  ${name} +\\S`, 'm'), `${name} in ${args.join(' ')}`);
  }
});

test("each command's --help and -h print its usage, options, environment and an example on stdout, exit 0", async () => {
  const expected: Record<string, { options: string[]; env: string[] }> = {
    route: { options: ['--rules FILE', '--from SENDER', '--json'], env: ['RULES_FILE'] },
    check: { options: ['--rules FILE'], env: ['RULES_FILE'] },
    simulate: { options: ['--url URL', '--mime', '--from SENDER', '--subject TEXT', '--spam', '--score N'], env: ['MAILGUN_WEBHOOK_SIGNING_KEY', 'PORT'] },
    'setup-route': { options: ['--url URL', '--priority N', '--rules FILE', '--dry-run'], env: ['MAILGUN_API_KEY', 'MAILGUN_API_URL', 'MAILGUN_DOMAIN', 'RULES_FILE'] },
    doctor: { options: ['--url URL', '--domain DOMAIN', '--rules FILE', '--fix'], env: ['MAILGUN_API_KEY', 'MAILGUN_API_URL', 'MAILGUN_DOMAIN', 'RULES_FILE'] },
    'send-as': { options: ['--password-file FILE', '--dry-run', '--rules FILE'], env: ['MAILGUN_API_KEY', 'MAILGUN_DOMAIN', 'RULES_FILE'] },
    aliases: { options: ['--leaks', '--json', '--url URL'], env: ['ADMIN_TOKEN', 'PORT'] },
    alias: { options: ['--url URL'], env: ['ADMIN_TOKEN'] },
    block: { options: ['--url URL'], env: ['ADMIN_TOKEN'] },
    unblock: { options: ['--url URL'], env: ['ADMIN_TOKEN'] },
  };
  assert.deepEqual(Object.keys(expected), NAMES);
  for (const [name, { options, env }] of Object.entries(expected)) {
    for (const flag of ['--help', '-h']) {
      // The help flag wins wherever it stands, even after other arguments.
      const { code, out, err } = await cli([name, 'x@example.com', flag]);
      assert.equal(code, 0, `${name} ${flag}: ${err}`);
      assert.equal(err, '');
      assert.match(out, new RegExp(`^usage: plus-relay ${name} `));
      const section = (title: string) => out.split(`\n${title}:\n`)[1]?.split('\n\n')[0] ?? '';
      for (const option of [...options, '-h, --help']) assert.match(section('options'), new RegExp(`^  ${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  +\\S`, 'm'), `${name}: ${option}`);
      for (const variable of env) assert.match(section('environment'), new RegExp(`^  ${variable} +\\S`, 'm'), `${name}: ${variable}`);
      assert.match(out, new RegExp(`\\nexamples?:\\n  plus-relay ${name}\\b`));
    }
  }
  // `plus-relay help <command>` is the same page.
  assert.equal((await cli(['help', 'simulate'])).out, (await cli(['simulate', '--help'])).out);
});

test('the installed command answers --help with exit 0 (it was parseArgs’ error and exit 2)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'simulate', '-h'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.match(out, /^usage: plus-relay simulate <address>/);
});

test('./plus-relay, the command line of a clone, runs the bundled CLI: --version exits 0, no command exits 2 with the usage', async () => {
  // npm ci builds dist/bundle/ (prepare); the script runs it without npm or npx in between.
  const run = async (args: string[]) => {
    const child = spawn(join(ROOT, 'plus-relay'), args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    return { code, out, err };
  };
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await run(['--version']), { code: 0, out: `plus-relay ${pkg.version}\n`, err: '' });
  const bare = await run([]);
  assert.equal(bare.code, 2);
  assert.match(bare.err, /^usage: plus-relay <command> \[options\]/);
});

test('an unknown command or option says so and suggests the nearest, exit 2', async () => {
  const typo = await cli(['simulat', 'github@example.com']);
  assert.equal(typo.code, 2);
  assert.equal(typo.out, '');
  assert.match(typo.err, /^plus-relay: unknown command "simulat": did you mean simulate\?$/m);
  assert.match((await cli(['setup-rout'])).err, /did you mean setup-route\?/);
  const far = await cli(['deploy']);
  assert.equal(far.code, 2);
  assert.match(far.err, /^plus-relay: unknown command "deploy"$/m);

  const option = await cli(['route', 'github@example.com', '--rule', 'rules.yaml']);
  assert.equal(option.code, 2);
  assert.match(option.err, /^plus-relay: unknown option --rule: did you mean --rules\?$/m);
  assert.match(option.err, /^usage: plus-relay route <address> \[--rules FILE\]/m);
  assert.match((await cli(['simulate', 'a@example.com', '--subjcet=Hi'])).err, /unknown option --subjcet: did you mean --subject\?/);
  assert.match((await cli(['aliases', '--verbose'])).err, /^plus-relay: unknown option --verbose$/m);
  assert.match((await cli(['alias', 'ad', 'a@example.com'])).err, /unknown subcommand "ad": did you mean add\?/);
});

test('nearest: a typo of at most two edits, never a far or a one-letter guess', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(nearest('rule', ['rules', 'from', 'json']), 'rules');
  assert.equal(nearest('Simulte', ['route', 'simulate']), 'simulate');
  assert.equal(nearest('x', ['url', 'json']), null);
  assert.equal(nearest('deploy', ['doctor', 'route']), null);
});

test('a relay that is not running: "cannot reach the relay at <url>: is it running?", exit 1', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  for (const args of [['simulate', 'github@example.com'], ['aliases'], ['block', 'github@example.com']]) {
    // Without --url the CLI looks where `npm start` listens: 127.0.0.1 at $PORT.
    const { code, err } = await cli(args, { PORT: String(port), ADMIN_TOKEN: 'admin-token-0123456789abcdef' });
    assert.equal(code, 1, args.join(' '));
    assert.equal(err.split('\n')[0], `plus-relay: cannot reach the relay at ${url}: is it running?`, args.join(' '));
  }
  const { err } = await cli(['simulate', 'github@example.com', '--url', `${url}/`]);
  assert.equal(err.split('\n')[0], `plus-relay: cannot reach the relay at ${url}: is it running?`);
});
