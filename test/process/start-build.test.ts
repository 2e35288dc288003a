// `npm start` builds only what is out of date (scripts/build-if-stale.mjs): a restart runs dist/ as it is, an
// edited source or tsconfig is rebuilt first. Run for real: npm, tsc and the relay, in a copy of the project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const SCRIPT = join(ROOT, 'scripts/build-if-stale.mjs');
const HOUR_AGO = new Date(Date.now() - 3600_000);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

function buildIfStale(dir: string): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
  return { code: run.status, out: run.stdout + run.stderr };
}

test('build-if-stale: builds a missing dist/, then nothing until a source or a tsconfig is newer than its output', async (t) => {
  const dir = await tempDir(t, 'build');
  mkdirSync(join(dir, 'src/sub'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', strict: true, skipLibCheck: true, types: [] } }));
  writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { outDir: 'dist', rootDir: 'src' }, include: ['src'] }));
  writeFileSync(join(dir, 'src/main.ts'), 'export const a: number = 1;\n');
  writeFileSync(join(dir, 'src/sub/part.ts'), 'export const b: string = "b";\n');
  // The command line, which the bundle carries beside the relay (scripts/bundle.mjs).
  mkdirSync(join(dir, 'src/cli'));
  writeFileSync(join(dir, 'src/cli/main.ts'), 'export const c: number = 3;\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const output = join(dir, 'dist/sub/part.js');

  const first = buildIfStale(dir);
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /dist\/(cli\/)?main\.js is missing: rebuilding/);
  assert.match(await import(join(dir, 'dist/sub/part.js')).then((m: { b: string }) => m.b), /^b$/);
  // And the bundle npm start runs: dist/main.js with what it imports, in one file here.
  assert.equal(await import(join(dir, 'dist/bundle/main.js')).then((m: { a: number }) => m.a), 1);

  // Sources an hour old, outputs now: up to date, silent, nothing rewritten.
  for (const f of [...files(join(dir, 'src')), join(dir, 'tsconfig.json'), join(dir, 'tsconfig.build.json')]) utimesSync(f, HOUR_AGO, HOUR_AGO);
  const built = statSync(output).mtimeMs;
  assert.deepEqual(buildIfStale(dir), { code: 0, out: '' });
  assert.equal(statSync(output).mtimeMs, built);

  // dist/ newer than the bundle (a `tsc` run by hand, a bundle step that failed): bundled again, tsc not run.
  rmSync(join(dir, 'dist/bundle'), { recursive: true });
  const rebundled = buildIfStale(dir);
  assert.equal(rebundled.code, 0, rebundled.out);
  assert.match(rebundled.out, /dist\/bundle\/main\.js is missing: bundling/);
  assert.equal(statSync(output).mtimeMs, built, 'tsc did not run');
  assert.ok(existsSync(join(dir, 'dist/bundle/main.js')));
  utimesSync(join(dir, 'dist/bundle/main.js'), HOUR_AGO, HOUR_AGO);
  assert.match(buildIfStale(dir).out, /dist\/ is newer than dist\/bundle\/main\.js: bundling/);

  writeFileSync(join(dir, 'src/sub/part.ts'), 'export const b: string = "edited";\n');
  const edited = buildIfStale(dir);
  assert.equal(edited.code, 0, edited.out);
  assert.match(edited.out, /src\/sub\/part\.ts is newer than dist\/sub\/part\.js: rebuilding/);
  assert.ok(statSync(output).mtimeMs > built);

  for (const f of files(join(dir, 'src'))) utimesSync(f, HOUR_AGO, HOUR_AGO);
  utimesSync(join(dir, 'tsconfig.build.json'), new Date(), new Date(Date.now() + 60_000));
  assert.match(buildIfStale(dir).out, /tsconfig\.build\.json is newer than dist\/: rebuilding/);

  writeFileSync(join(dir, 'src/main.ts'), 'export const a: number = "not a number";\n');
  const broken = buildIfStale(dir);
  assert.notEqual(broken.code, 0, 'a type error fails the start');
  assert.match(broken.out, /src\/main\.ts.*TS2322/);
});

test('npm start after the first build runs dist/ as it is: no tsc, listening at once', async (t) => {
  const dir = await tempDir(t, 'start');
  for (const name of ['package.json', 'rules.yaml', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src', 'dist']) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // The first build (a no-op when the checkout's dist/ is up to date, as after `npm ci`).
  assert.equal(buildIfStale(dir).code, 0);
  // As after `npm ci` (whose `prepare` builds): every output newer than its source.
  for (const f of [...files(join(dir, 'src')), join(dir, 'tsconfig.json'), join(dir, 'tsconfig.build.json')]) utimesSync(f, HOUR_AGO, HOUR_AGO);
  const main = join(dir, 'dist/bundle/main.js');
  const built = statSync(main).mtimeMs;

  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: dir,
    detached: true, // npm → sh → node: the group is killed at the end
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), OUTBOX_DIR: join(dir, 'outbox') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let out = '';
  await new Promise<void>((ok, fail) => {
    const look = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('plus-relay ready')) ok();
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => fail(new Error(`npm start exited (${code}):\n${out}`)));
  });
  const ms = performance.now() - started;
  assert.doesNotMatch(out, /rebuilding|tsc/);
  assert.equal(statSync(main).mtimeMs, built, 'dist/ was not rebuilt');
  t.diagnostic(`npm start ready in ${Math.round(ms)} ms`);
});
