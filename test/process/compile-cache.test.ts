// The V8 compile cache (Node 22.1+): a restart of the relay reads compiled code from DATA_DIR instead of compiling
// its modules again. On a Node without module.enableCompileCache (20) the relay starts the same, without a cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import module from 'node:module';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelay } from '../helpers/relay-process.js';
import { compileCacheDir, startCompileCache } from '../../src/compile-cache.js';

const supported = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function';
const flushes = typeof (module as { flushCompileCache?: unknown }).flushCompileCache === 'function';

/** Every file under `dir`, however deep Node nests its entries. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
}

test('the cache lives in DATA_DIR (the volume on Fly), whatever the working directory', () => {
  assert.equal(compileCacheDir({ DATA_DIR: '/data' }), '/data/compile-cache');
  assert.equal(compileCacheDir({ DATA_DIR: ' /data ' }), '/data/compile-cache');
  assert.equal(compileCacheDir({}), join(process.cwd(), 'data/compile-cache'));
});

test('a relay that ran and stopped leaves compiled code in DATA_DIR/compile-cache where Node can cache, and nothing where it cannot', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-cache-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const relay = await startRelay({ DATA_DIR: dataDir });
  const exited = once(relay.child, 'exit');
  relay.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, relay.output());
  const cache = join(dataDir, 'compile-cache');
  if (supported) assert.ok(filesUnder(cache).length > 10, `few or no entries in ${cache}`);
  else assert.equal(existsSync(cache), false);
});

test('a relay killed outright (SIGKILL, out of memory) after its first seconds has written its cache already', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-cache-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const relay = await startRelay({ DATA_DIR: dataDir });
  const exited = once(relay.child, 'exit');
  // Past the flush 5 s after start, with room for a loaded machine.
  await new Promise((resolve) => setTimeout(resolve, 7000));
  relay.child.kill('SIGKILL');
  await exited;
  const cache = join(dataDir, 'compile-cache');
  if (flushes) assert.ok(filesUnder(cache).length > 10, `few or no entries in ${cache}`);
  else if (!supported) assert.equal(existsSync(cache), false);
});

test('on this Node the status is Node’s own, or unsupported without the API', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plus-relay-cache-'));
  try {
    // The test process has its modules loaded already: this only reports, it speeds nothing up here.
    const result = startCompileCache({ DATA_DIR: dataDir });
    if (supported) assert.match(result.status, /^(ENABLED|ALREADY_ENABLED)$/);
    else assert.deepEqual(result, { status: 'unsupported' });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
