#!/usr/bin/env node
// `npm run build`'s second step: the relay's compiled modules (tsc's dist/) and the dependencies they import, in a
// few files under dist/bundle/, which is what `npm start` and the image run. Why: a start from dist/ resolves, reads
// and links some 750 module files before it can listen (measured on Node 22 with a warm compile cache: ~130 ms of
// the ~230 ms to the first /healthz 200); from the bundle, a handful (~85 ms). The code is the same JavaScript tsc
// emitted, type-checked by it: esbuild concatenates it, and takes out whitespace and comments and shortens syntax
// (a third less source for V8 to read and check against its compile cache: measured 192 → 184 ms to the first 200
// on Node 22), but renames nothing, so a stack trace still names its functions; its lines and columns are the
// bundle's, and `node --enable-source-maps` maps them back to src/*.ts through the linked maps (at ~0.1 s of start,
// so not by default).
// What stays outside: better-sqlite3 (a native addon, found through its own files at run time); a dynamic import()
// in the relay (the admin page, the alias API, pino-pretty, the Redis or SQLite store, mailauth) becomes a chunk of
// its own, still loaded only when needed. One difference from Node to keep in mind: an import() of a CommonJS module
// gives only its `default` here (Node also guesses named exports): read its functions from `default`
// (src/forward/dmarc.ts does; test/process/bundle.test.ts runs the bundle through a raw message to prove it).
// Plain JavaScript: build-if-stale.mjs imports the names below without a TypeScript loader, and esbuild (a dev
// dependency) only when it bundles.
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Where the bundle goes, and the file `npm start` and the image run, relative to the project's root. */
export const BUNDLE_DIR = 'dist/bundle';
export const BUNDLE_ENTRY = 'dist/bundle/main.js';
/** The command line, bundled beside the relay for the same reason: `./plus-relay` answers in a fraction of a second. */
export const CLI_ENTRY = 'dist/bundle/cli.js';

/**
 * ESM output of CommonJS dependencies: esbuild turns their require() of Node's modules into a helper that needs a
 * real `require`, and a few (pino's transports, never used by the relay) read __dirname. Defined once per chunk.
 */
const BANNER = [
  "import { createRequire as __bundleRequire } from 'node:module';",
  "import { fileURLToPath as __bundlePath } from 'node:url';",
  'const require = __bundleRequire(import.meta.url);',
  'const __filename = __bundlePath(import.meta.url);',
  "const __dirname = __bundlePath(new URL('.', import.meta.url));",
].join(' ');

/**
 * mailgun.js as its CommonJS build (the same code, published beside the ES module one). Its ES module build imports
 * node:http as an ES module, and on Node 22 that import reads every export of node:http, whose lazy WebSocket
 * getters load the whole of Node's internal undici for a WebSocket nobody uses: measured ~33 ms of every start.
 * The CommonJS build require()s http, which reads nothing.
 */
function mailgunCommonJs(root) {
  const path = createRequire(join(root, 'package.json')).resolve('mailgun.js');
  return { name: 'mailgun.js-commonjs', setup: (build) => build.onResolve({ filter: /^mailgun\.js$/ }, () => ({ path })) };
}

/**
 * Bundles `entry` into `outdir`, both relative to `root`: unless told otherwise the relay's dist/main.js and, beside
 * it, the command line's dist/cli/main.js (sharing chunks); the bench bundles its minimal forwarder the same way, to
 * report what bundling alone is worth.
 */
export async function bundle(root, entry = 'dist/main.js', outdir = BUNDLE_DIR) {
  const { build } = await import('esbuild');
  rmSync(join(root, outdir), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: entry === 'dist/main.js' ? { main: entry, cli: 'dist/cli/main.js' } : [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: ['better-sqlite3'],
    banner: { js: BANNER },
    // No minifyIdentifiers: names stay in stack traces and in error classes' `name`.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [mailgunCommonJs(root)],
    // Maps to src/*.ts through tsc's own maps (dist/*.js.map), for --enable-source-maps; not loaded otherwise.
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle(resolve(process.argv[2] ?? '.'));
}
