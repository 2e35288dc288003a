#!/usr/bin/env node
// `npm start`'s first step: rebuild dist/ only when a source is newer than its output. `prepare` builds once at
// install; running tsc before every start cost 4–8 s per restart for nothing. Plain JavaScript, not TypeScript:
// it runs before there is a build, and without tsx (a dev dependency).
// Usage: node scripts/build-if-stale.mjs [project root, default the current directory]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

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

/** Why dist/ is out of date (one reason is enough), or null when every output is newer than its inputs. */
function staleness() {
  const src = join(root, 'src');
  let oldestOutput = Infinity;
  for (const source of sources(src)) {
    const output = join(root, 'dist', relative(src, source).replace(/\.ts$/, '.js'));
    const built = mtime(output);
    if (built === undefined) return `${relative(root, output)} is missing`;
    if (statSync(source).mtimeMs > built) return `${relative(root, source)} is newer than ${relative(root, output)}`;
    oldestOutput = Math.min(oldestOutput, built);
  }
  for (const config of CONFIGS) {
    const changed = mtime(join(root, config));
    if (changed !== undefined && changed > oldestOutput) return `${config} is newer than dist/`;
  }
  return null;
}

const reason = staleness();
if (reason === null) process.exit(0);

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
process.exit(build.status ?? 1);
