// The V8 compile cache (Node 22.1+): a restart of the relay reads compiled code instead of compiling its modules
// again. Compiled code runs as the relay's own, so it lives beside the code (dist/compile-cache, made when the image
// is built) and never in DATA_DIR, which a volume, a backup restore or anyone who can write the data can fill. On a
// Node without module.enableCompileCache (20) the relay starts the same, without a cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import module from 'node:module';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startRelay } from '../helpers/relay-process.js';
import { compileCacheDir, startCompileCache } from '../../src/compile-cache.js';

const supported = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const flushes = typeof (module as { flushCompileCache?: unknown }).flushCompileCache === 'function';

/** Every file under `dir`, however deep Node nests its entries. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
}

const CACHE = join(ROOT, 'compile-cache');

test('the cache lives one level above the code (dist/compile-cache for the bundle), never in DATA_DIR', () => {
  assert.equal(compileCacheDir('file:///app/dist/bundle/main.js'), '/app/dist/compile-cache');
  assert.equal(compileCacheDir('file:///app/dist/compile-cache.js'), '/app/compile-cache');
  assert.equal(compileCacheDir(), CACHE, 'run from src/ (tsx): beside the checkout');
});

test('a relay that ran and stopped writes no code into DATA_DIR; its compiled code is beside the code where Node can cache', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-cache-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const relay = await startRelay({ DATA_DIR: dataDir });
  const exited = once(relay.child, 'exit');
  relay.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, relay.output());
  assert.equal(existsSync(join(dataDir, 'compile-cache')), false, 'no compile cache in DATA_DIR');
  assert.deepEqual(readdirSync(dataDir).filter((name) => !name.startsWith('plus-relay.sqlite')), [], 'DATA_DIR holds the store only');
  if (supported) assert.ok(filesUnder(CACHE).length > 10, `few or no entries in ${CACHE}`);
});

test('a relay killed outright (SIGKILL, out of memory) after its first seconds has written its cache already, and none into DATA_DIR', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-cache-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const relay = await startRelay({ DATA_DIR: dataDir });
  const exited = once(relay.child, 'exit');
  // Past the flush 5 s after start, with room for a loaded machine.
  await new Promise((resolve) => setTimeout(resolve, 7000));
  relay.child.kill('SIGKILL');
  await exited;
  assert.equal(existsSync(join(dataDir, 'compile-cache')), false);
  if (flushes) assert.ok(filesUnder(CACHE).length > 10, `few or no entries in ${CACHE}`);
});

test('on this Node the status is Node’s own, or unsupported without the API', () => {
  // The test process has its modules loaded already: this only reports, it speeds nothing up here.
  const result = startCompileCache();
  if (supported) assert.match(result.status, /^(ENABLED|ALREADY_ENABLED)$/);
  else assert.deepEqual(result, { status: 'unsupported' });
});
