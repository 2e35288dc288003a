import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The floors of src/ are checked by dependency-cruiser (.dependency-cruiser.cjs): `npm test` runs `npm run layers`
// on the tree before any test. This runs the same check on a copy with imports against the order, so that a rule
// that never fires (a pattern gone stale after a move) cannot let the order rot unseen.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Check {
  code: number;
  output: string;
}

function checkLayers(cwd: string): Promise<Check> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DEPCRUISE, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: stdout + stderr });
    });
  });
}

test('an import against the order fails the check, each kind named with the file that made it', async (t) => {
  const copy = await mkdtemp(join(tmpdir(), 'plus-relay-layers-'));
  t.after(() => rm(copy, { recursive: true, force: true }));
  await cp(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
  await cp(join(ROOT, 'tsconfig.json'), join(copy, 'tsconfig.json'));
  await cp(join(ROOT, '.dependency-cruiser.cjs'), join(copy, '.dependency-cruiser.cjs'));

  // A type import counts as much as a value import: the store reaching up for the delivery's result.
  await writeFile(join(copy, 'src/store/delivery-view.ts'), "import type { DeliveryResult } from '../deliver.js';\nexport type DeliveryView = DeliveryResult;\n");
  // Sideways on one floor is allowed, in a circle it is not: digest/ already reads events/.
  await writeFile(join(copy, 'src/events/digest-view.ts'), "export { createDigest } from '../digest/index.js';\n");
  // Two files of one folder that import each other.
  await writeFile(join(copy, 'src/mail/first.ts'), "import { second } from './second.js';\nexport const first = (): number => second() + 1;\n");
  await writeFile(join(copy, 'src/mail/second.ts'), "import { first } from './first.js';\nexport const second = (): number => first() - 1;\n");
  // A root file nobody gave a floor.
  await writeFile(join(copy, 'src/stray.ts'), "export type { Clock } from './clock.js';\n");

  const { code, output } = await checkLayers(copy);
  assert.notEqual(code, 0, output);
  assert.match(output, /layer-order: store: src\/store\/delivery-view\.ts → src\/deliver\.ts/);
  assert.match(output, /no-folder-cycle: src\/(events|digest) →/);
  assert.match(output, /no-circular: src\/mail\/(first|second)\.ts →/);
  assert.match(output, /on-no-floor: src\/stray\.ts → src\/clock\.ts/);
});
