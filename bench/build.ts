// Both forwarders run as compiled JavaScript on plain node, as production runs the relay: a TypeScript loader
// (tsx) in either process would cost start time and memory that production never pays, and flatter the ratios.
// The relay is built by `npm run build` itself (tsc -p tsconfig.build.json → dist/, then scripts/bundle.mjs →
// dist/bundle/) and run from the bundle, as `npm start` and the image run it; the minimal forwarder is one file,
// transpiled into .bench/ (git-ignored) without a type check: `npm run typecheck` has one. The floor the relay's start
// is judged against runs as its packages ship; the same file bundled as the relay is (scripts/bundle.mjs) is started
// too, and reported beside it, so the summary shows what bundling alone is worth.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';
import { bundle } from '../scripts/bundle.mjs';

export interface Builds {
  /** The relay's entry, relative to the repository root: what `npm start` runs. */
  relay: string;
  minimal: string;
  /** The minimal forwarder bundled the way the relay is. */
  minimalBundled: string;
}

async function buildRelay(root: string): Promise<void> {
  const npm = spawn('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  npm.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  npm.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const [code] = (await once(npm, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`npm run build failed (${code}):\n${output}`);
}

async function buildMinimal(root: string): Promise<string> {
  const source = await readFile(join(root, 'bench/minimal-forwarder.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: 'minimal-forwarder.ts',
  });
  await mkdir(join(root, '.bench'), { recursive: true });
  // Inside the repository, so its imports resolve from the same node_modules as the relay's.
  await writeFile(join(root, '.bench/minimal-forwarder.js'), outputText);
  return '.bench/minimal-forwarder.js';
}

async function bundleMinimal(root: string, minimal: string): Promise<string> {
  await bundle(root, minimal, '.bench/minimal-bundle');
  return '.bench/minimal-bundle/minimal-forwarder.js';
}

export async function build(root: string): Promise<Builds> {
  const [, minimal] = await Promise.all([buildRelay(root), buildMinimal(root)]);
  return { relay: 'dist/bundle/main.js', minimal, minimalBundled: await bundleMinimal(root, minimal) };
}
