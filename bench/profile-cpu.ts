// Not part of `npm run bench`: one kind of post at a time through the minimal forwarder and the relay (the bundle, as
// the CPU part loads them), to attribute and cut the relay's extra CPU per post.
//   node --import tsx bench/profile-cpu.ts <kind> [rounds] [--durable] [--prof <dir>] [--relay <entry>] [--base <entry>] [--base-env K=V]
// --durable   the minimal forwarder with its durable ledger (the floor CPU per post is judged against), not the stateless one
// --prof      both forwarders run with --cpu-prof, their profiles written under <dir>/minimal and <dir>/relay
// --relay     the relay's entry, when not dist/bundle/main.js
// --base      a third side, interleaved with the others: the relay from another build (e.g. the code before a
//             change, built into .bench/base/ so that it resolves the same node_modules), and/or with other env
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDnsServer } from '../test/support/dns-server.js';
import { stopAll } from './process.js';
import { build } from './build.js';
import { createLedger } from './checks.js';
import { dkimSigner } from './dkim.js';
import { startDurable, startMinimal, startRelay, startStandIn, type Stack } from './sides.js';
import { writeRulesFile } from './rules-file.js';
import { measureKind, type Side } from './part-cpu.js';
import { KINDS, type Kind } from './kinds.js';
import { SETTINGS } from './settings.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { durable: { type: 'boolean' }, prof: { type: 'string' }, relay: { type: 'string' }, base: { type: 'string' }, 'base-env': { type: 'string', multiple: true } },
});
const [kindArg = '', roundsArg = '5'] = positionals;
if (!KINDS.includes(kindArg as Kind)) throw new TypeError(`profile-cpu: kind must be one of ${KINDS.join(', ')}`);
const kind = kindArg as Kind;
const profDir = values.prof ? resolve(values.prof) : undefined;
const baseEnv = Object.fromEntries((values['base-env'] ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = await mkdtemp(join(tmpdir(), 'plus-relay-profile-'));
const dkim = dkimSigner();
const dns = await startDnsServer(dkim.records);
const ledger = createLedger();
try {
  const builds = await build(root);
  const rules5 = await writeRulesFile(dir, 5);
  const api = await startStandIn(root);
  const stack: Stack = { root, builds, api, dns: dns.address, dir };
  const prof = (name: string): string[] => (profDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profDir, name)}`] : []);
  const sides: Side[] = [
    values.durable
      ? { name: 'minimal', child: await startDurable(stack, 'minimal.bench', { nodeArgs: prof('minimal') }), domain: 'minimal.bench', users: 5 }
      : { name: 'minimal', child: await startMinimal(stack, 'minimal.bench', 0, {}, { nodeArgs: prof('minimal') }), domain: 'minimal.bench', users: 5 },
    { name: 'relay5', child: await startRelay(stack, rules5, 'relay5.bench', 0, {}, { entry: values.relay ?? builds.relay, nodeArgs: prof('relay') }), domain: 'relay5.bench', users: 5 },
  ];
  // The third side takes the 10,000-user relay's slot in the figures; here it is the base for a before/after.
  if (values.base || values['base-env']) {
    sides.push({ name: 'relay10k', child: await startRelay(stack, rules5, 'base.bench', 0, baseEnv, { entry: values.base ?? builds.relay }), domain: 'base.bench', users: 5 });
  }
  const result = await measureKind(api, kind, sides, SETTINGS.full.cpu.kinds[kind], Number(roundsArg), ledger, dkim);
  const us = (name: 'minimal' | 'relay5' | 'relay10k') => result.sides[name]?.medianCpuUs ?? NaN;
  const m = us('minimal');
  process.stderr.write(`${kind}: ${values.durable ? 'durable ' : ''}minimal ${m.toFixed(0)} µs, relay ${us('relay5').toFixed(0)} µs (ratio ${(m / us('relay5')).toFixed(2)})`);
  if (sides.length > 2) process.stderr.write(`, base ${us('relay10k').toFixed(0)} µs (ratio ${(m / us('relay10k')).toFixed(2)})`);
  process.stderr.write('\n');
  if (ledger.problems.length) process.stderr.write(`problems:\n${ledger.problems.join('\n')}\n`);
} finally {
  await stopAll();
  await dns.close();
  await rm(dir, { recursive: true, force: true });
}
