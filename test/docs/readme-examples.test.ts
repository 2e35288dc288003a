// Every ```console block of the README and of the pages under docs/, run against the shipped rules.yaml and compared
// with what the page shows (test/helpers/readme-sessions.ts says how a block reads). `./plus-relay …` runs the CLI's
// own dispatch in this process; `npm start` starts the real relay process (src/main.ts, on a free port, with the
// shipped rules). Each file is read by a reader of its own, top to bottom, whose relay keeps its data and outbox
// across restarts, as a reader's ./data and ./outbox do.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/commands.js';
import { recordingIO } from '../helpers/cli-io.js';
import { ROOT, startRelay, type RelayProcess } from '../helpers/relay-process.js';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { docFileBlocks, docFiles, docSessions, readmeSessions, sameOutput, splitCommand, type Session } from '../helpers/readme-sessions.js';

/** One reader going through a page: the relay they started, the environment of their shell, their ./data and ./outbox. */
interface Reader {
  relay: RelayProcess | null;
  relayEnv: Record<string, string>;
  dir: string | null;
}

const newReader = (): Reader => ({ relay: null, relayEnv: {}, dir: null });

async function start(t: TestContext, reader: Reader, env: Record<string, string>): Promise<RelayProcess> {
  if (reader.relay) {
    // Ctrl-C, as the README says: the relay writes what it holds (the inventory's last second of counts) and exits.
    const { child } = reader.relay;
    const stopped = once(child, 'exit');
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await stopped;
    clearTimeout(killer);
  }
  if (reader.dir === null) {
    const dir = await mkdtemp(join(tmpdir(), 'plus-relay-readme-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    reader.dir = dir;
  }
  const relay = await startRelay({ ...env, DATA_DIR: join(reader.dir, 'data'), OUTBOX_DIR: join(reader.dir, 'outbox') });
  t.after(() => relay.child.kill('SIGKILL'));
  reader.relay = relay;
  reader.relayEnv = env;
  return relay;
}

// Commands that talk to a running relay. Before any `$ npm start` block they meet the relay of the README's first
// step (`npm ci && npm start`, no settings), started on first use.
const NEEDS_RELAY = new Set(['simulate', 'aliases', 'alias', 'block', 'unblock']);

async function run(t: TestContext, session: Session, reader: Reader): Promise<void> {
  for (const step of session.steps) {
    const where = `${session.file}:${step.line}: $ ${step.command}`;
    const [program, sub, ...args] = step.argv;
    if (program === 'npm' && sub === 'start' && args.length === 0) {
      const relay = await start(t, reader, step.env);
      assert.deepEqual(step.expected, [], `${where}: the relay's log is not compared; show no output under npm start`);
      assert.ok(relay.url);
      continue;
    }
    assert.ok(program === './plus-relay' && sub !== undefined, `${where}: the test runs only "./plus-relay …" and "npm start"`);
    args.unshift(sub);
    const relay = NEEDS_RELAY.has(args[0] ?? '') ? (reader.relay ?? (await start(t, reader, {}))) : null;
    const port = relay ? new URL(relay.url).port : undefined;
    const rec = recordingIO(ROOT, { ...step.env, ...(port ? { PORT: port } : {}) });
    const code = await runCli(args, rec.io);
    const printed = [...rec.out, ...rec.err];
    assert.ok(sameOutput(step.expected, printed), `${where}\nit shows:\n${step.expected.join('\n')}\nit prints:\n${printed.join('\n')}`);
    assert.equal(code, 0, `${where}: exit ${code}`);
  }
}

test('the README reader: splitCommand reads settings and quoted words as a shell does', () => {
  assert.deepEqual(splitCommand(`ADMIN_TOKEN=a=b npx plus-relay simulate x@example.com --from "Shop <news@shop.example>" --subject 'Hi there'`), {
    env: { ADMIN_TOKEN: 'a=b' },
    argv: ['npx', 'plus-relay', 'simulate', 'x@example.com', '--from', 'Shop <news@shop.example>', '--subject', 'Hi there'],
  });
  assert.ok(sameOutput(['200 {"status":"forwarded",…}'], ['200 {"status":"forwarded","id":"x"}']));
  assert.ok(!sameOutput(['200 {"status":"forwarded",…}'], ['406 {"status":"rejected"}']));
  assert.ok(!sameOutput(['a'], ['a', 'b']));
});

test('every console example in the README and in docs/ prints what the page shows, against the shipped rules.yaml', async (t) => {
  const sessions = docSessions();
  // The blocks this test stands for: the offline commands and the local relay.
  assert.ok(readmeSessions().length >= 4, `only ${readmeSessions().length} console blocks in README.md`);
  assert.ok(sessions.some((s) => s.file.startsWith('docs/')), 'the pages under docs/ have console blocks too');
  for (const file of docFiles()) {
    const reader = newReader();
    for (const session of sessions.filter((s) => s.file === file)) await run(t, session, reader);
  }
});

test('"Try it locally" shows the leak detector end to end: after its commands the admin API flags a new sender domain', async (t) => {
  const local = readmeSessions().filter((s) => s.section === 'Try it locally');
  const reader = newReader();
  for (const session of local) await run(t, session, reader);
  const token = reader.relayEnv.ADMIN_TOKEN;
  assert.ok(reader.relay && token, '"Try it locally" starts the relay with an ADMIN_TOKEN');
  const response = await fetch(`${reader.relay.url}/admin/aliases`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  const { aliases } = (await response.json()) as { aliases: Array<{ address: string; senders: Array<{ domain: string; new: boolean }> }> };
  const leaked = aliases.filter((a) => a.senders.some((s) => s.new));
  assert.deepEqual(
    leaked.map((a) => ({ address: a.address, new: a.senders.filter((s) => s.new).map((s) => s.domain) })),
    [{ address: 'demo+shop@example.com', new: ['cheap-pills.example'] }],
  );
});

test('the rules files the README and docs/ show are the shipped ones: rules.yaml and examples/policies.yaml, comments aside', async () => {
  const blocks = docFileBlocks();
  assert.deepEqual([...new Set(blocks.map((b) => b.file))].sort(), ['examples/policies.yaml', 'rules.yaml']);
  assert.ok(blocks.some((b) => b.doc === 'README.md' && b.file === 'rules.yaml'), 'the README shows rules.yaml');
  for (const block of blocks) {
    const shipped: unknown = parse(await readFile(join(ROOT, block.file), 'utf8'));
    assert.deepEqual(parse(block.text), shipped, `${block.doc}:${block.line} is not ${block.file}`);
  }
});
