import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GENERATED_DIR, generatedFiles } from '../../scripts/generate-validators.js';

// The validators are compiled from the schemas ahead of time; a schema edit without `npm run validators`
// would leave the relay checking the old shape.
test('src/generated/ holds exactly what the schemas compile to now (run `npm run validators` after a schema edit)', async () => {
  for (const { file, text } of generatedFiles()) {
    const committed = await readFile(join(GENERATED_DIR, file), 'utf8');
    assert.ok(committed === text, `src/generated/${file} is stale: run npm run validators`);
  }
});

test('the relay\'s start-up path loads neither TypeBox nor Ajv\'s compiler', async () => {
  const { spawnSync } = await import('node:child_process');
  // A fresh process (the test runner has loaded both, through the generator above), with a resolve hook that
  // refuses either package: config.ts and the rules loader must come in without them.
  const hook = `export async function resolve(specifier, context, next) {
    const found = await next(specifier, context);
    if (/@sinclair.typebox|node_modules.ajv.dist.(ajv|core|compile)/.test(found.url)) throw new Error('start-up loaded ' + found.url);
    return found;
  }`;
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    const { loadConfig } = await import('./src/config.ts');
    const { compileRules } = await import('./src/rules/index.ts');
    loadConfig({ PORT: '1' });
    compileRules('domains: [a.example]\\nrules: []\\n', 'rules.yaml');
    console.log('loaded');
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: join(GENERATED_DIR, '..', '..') });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /loaded/);
});
