// When the body readers free spent request chunks (src/inbound/reclaim.ts): never for a body declared under 4 MiB,
// and every 512 KiB from the first byte of a larger one (or of one without a Content-Length), so a 25 MB message does not
// hold several MiB of dead chunks at its peak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkReclaimer } from '../../src/inbound/reclaim.js';

const MiB = 1024 * 1024;

/** The body sizes, in bytes read so far, at which a collection ran while `total` bytes arrived in 64 KB chunks. */
function collectionsAt(total: number, declared = total): number[] {
  const at: number[] = [];
  let read = 0;
  const reclaim = chunkReclaimer(declared, () => at.push(read));
  while (read < total) {
    const chunk = Math.min(64 * 1024, total - read);
    read += chunk;
    reclaim(chunk);
  }
  return at;
}

test('a body declared under 4 MiB never pays for a collection', () => {
  assert.deepEqual(collectionsAt(11 * 1024), []);
  assert.deepEqual(collectionsAt(2 * MiB + 12345), []);
  assert.deepEqual(collectionsAt(4 * MiB - 1), []);
});

test('a large body is collected every 512 KiB from its first byte', () => {
  assert.deepEqual(collectionsAt(4 * MiB), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => (n * MiB) / 2));
  const at = collectionsAt(25 * MiB);
  assert.equal(at.length, 50);
  assert.deepEqual(at.slice(0, 2), [MiB / 2, MiB]);
  assert.equal(at.at(-1), 25 * MiB);
});

test('a body without a Content-Length is treated as large', () => {
  assert.deepEqual(collectionsAt(MiB + 1, NaN), [MiB / 2, MiB]);
  assert.deepEqual(collectionsAt(500 * 1024, NaN), []);
});
