// One Node major: the one package.json promises (engines), the one every stage of the image runs (Dockerfile FROM),
// and so the one CI runs the suite on (.ci/run reads it from the Dockerfile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDockerfile } from '../helpers/dockerfile.js';

const ROOT = resolve(import.meta.dirname, '../..');

test('engines says ">=<major>" with the major every stage of the image runs: what is promised is what CI tests', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const promised = /^>=(\d+)$/.exec(pkg.engines?.node ?? '')?.[1];
  assert.ok(promised, `engines.node is ">=<major>", not ${JSON.stringify(pkg.engines?.node)}`);
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  for (const stage of stages) assert.equal(/^node:(\d+)[-.]/.exec(stage.from)?.[1], promised, `FROM ${stage.from}`);
});
