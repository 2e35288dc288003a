// better-sqlite3 built for one Node, the relay started with another: one line naming both ABIs and the fix, exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { MAIN, ROOT } from '../helpers/relay-process.js';
import { otherNode } from '../helpers/other-node.js';
import { tempDir } from '../helpers/temp-dir.js';

async function startWith(bin: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(bin, ['--import', 'tsx', MAIN], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

test('the SQLite addon built for another Node: one line with both ABIs and `npm rebuild better-sqlite3`, exit 1', async (t) => {
  const node = otherNode(t);
  if (!node) return;
  const dataDir = await tempDir(t, 'addon');
  const { code, stdout, stderr } = await startWith(node.bin, { DATA_DIR: dataDir, OUTBOX_DIR: join(dataDir, 'outbox') });
  assert.equal(code, 1, stdout + stderr);
  assert.equal(stdout, '');
  assert.equal(stderr.split('\n').filter(Boolean).length, 1, `one line, no stack:\n${stderr}`);
  const line = /^plus-relay: cannot start: better-sqlite3's native addon was built for Node ABI (\d+), but this is Node (v[\d.]+) \(ABI (\d+)\); run `npm rebuild better-sqlite3`\n$/.exec(stderr);
  assert.ok(line, stderr);
  assert.equal(line[1], process.versions.modules, "the addon's ABI: the tests' Node built it");
  assert.equal(line[3], node.abi);
  assert.notEqual(line[2], process.version);
});

test("with an npm nodedir set, the fix points node-gyp at the running Node's own headers", async (t) => {
  const node = otherNode(t);
  if (!node) return;
  const dataDir = await tempDir(t, 'addon');
  const { code, stderr } = await startWith(node.bin, { DATA_DIR: dataDir, npm_config_nodedir: '/opt/some-other-node' });
  assert.equal(code, 1, stderr);
  assert.ok(stderr.endsWith(`; npm's nodedir is /opt/some-other-node: run \`npm_config_nodedir=${node.home} npm rebuild better-sqlite3\`\n`), stderr);
});

test('npm ci finds it: prepare runs scripts/check-addon.mjs after the build, which gives the same line, exit 1 (silent when it loads)', async (t) => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.prepare ?? '', /^npm run build && node scripts\/check-addon\.mjs$/);
  const check = async (bin: string) => {
    const child = spawn(bin, [join(ROOT, 'scripts/check-addon.mjs')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const [code] = await once(child, 'exit');
    return { code, output };
  };
  assert.deepEqual(await check(process.execPath), { code: 0, output: '' });
  const node = otherNode(t);
  if (!node) return;
  const { code, output } = await check(node.bin);
  assert.equal(code, 1, output);
  assert.match(output, /^plus-relay: better-sqlite3's native addon was built for Node ABI \d+, but this is Node v[\d.]+ \(ABI \d+\); run `npm rebuild better-sqlite3`\n$/);
});
