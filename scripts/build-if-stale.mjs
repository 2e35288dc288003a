#!/usr/bin/env node
// `npm start`'s first step: rebuild dist/ only when a source is newer than its output, and the bundle (what `npm
// start` runs, scripts/bundle.mjs) only when dist/ is newer than it. `prepare` builds once at install; running tsc
// before every start cost 4–8 s per restart for nothing. Plain JavaScript, not TypeScript: it runs before there is a
// build, and without tsx (a dev dependency).
// Usage: node scripts/build-if-stale.mjs [project root, default the current directory]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { BUNDLE_ENTRY, bundle } from './bundle.mjs';

const root = resolve(process.argv[2] ?? '.');
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

/** Every compiled source under src/ (declaration files emit nothing). */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : undefined);

/**
 * Why dist/ is out of date (one reason is enough), or null when every output is newer than its inputs; `newest` is
 * the newest output's time, which the bundle must not be older than.
 */
function staleness() {
  const src = join(root, 'src');
  let oldestOutput = Infinity;
  let newest = 0;
  for (const source of sources(src)) {
    const output = join(root, 'dist', relative(src, source).replace(/\.ts$/, '.js'));
    const built = mtime(output);
    if (built === undefined) return { reason: `${relative(root, output)} is missing` };
    if (statSync(source).mtimeMs > built) return { reason: `${relative(root, source)} is newer than ${relative(root, output)}` };
    oldestOutput = Math.min(oldestOutput, built);
    newest = Math.max(newest, built);
  }
  for (const config of CONFIGS) {
    const changed = mtime(join(root, config));
    if (changed !== undefined && changed > oldestOutput) return { reason: `${config} is newer than dist/` };
  }
  return { reason: null, newest };
}

/** Why the bundle is out of date, or null. */
function bundleStaleness(newest) {
  const bundled = mtime(join(root, BUNDLE_ENTRY));
  if (bundled === undefined) return `${BUNDLE_ENTRY} is missing`;
  return bundled < newest ? `dist/ is newer than ${BUNDLE_ENTRY}` : null;
}

async function rebundle(reason) {
  try {
    await bundle(root);
  } catch (err) {
    // Without dev dependencies there is no esbuild: say what to do rather than start an old bundle.
    const missing = err instanceof Error && 'code' in err && err.code === 'ERR_MODULE_NOT_FOUND';
    console.error(missing
      ? `plus-relay: ${reason} and esbuild is not installed: run \`npm ci\` (with dev dependencies), then \`npm run build\``
      : `plus-relay: bundling failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

const { reason, newest } = staleness();
if (reason === null) {
  const why = bundleStaleness(newest);
  if (why === null) process.exit(0);
  console.error(`plus-relay: ${why}: bundling (npm run build's second step)`);
  await rebundle(why);
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  // `npm ci --omit=dev` leaves TypeScript out: say what to do rather than start an old build.
  console.error(`plus-relay: dist/ is out of date (${reason}) and TypeScript is not installed: run \`npm ci\` (with dev dependencies), then \`npm run build\``);
  process.exit(1);
}
console.error(`plus-relay: ${reason}: rebuilding (npm run build)`);
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
await rebundle(reason);
