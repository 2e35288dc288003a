import module from 'node:module';
import { fileURLToPath } from 'node:url';

/** What happened to the V8 compile cache: Node's own status name, or `unsupported` on a Node without the API. */
export type CompileCacheResult = { status: 'unsupported' } | { status: string; directory?: string };

// Node 22.1+ has module.enableCompileCache(); Node 20 has not, and gets nothing. Typed here because the
// project's @types/node is 20's.
type EnableCompileCache = (directory?: string) => { status: number; directory?: string; message?: string };
const { enableCompileCache, flushCompileCache } = module as { enableCompileCache?: EnableCompileCache; flushCompileCache?: () => void };
// Long enough after start that writing the cache (some 7 MB) does not compete with the first requests.
const FLUSH_AFTER_MS = 5000;
const STATUS: Record<number, string> = Object.fromEntries(
  Object.entries((module as { constants?: { compileCacheStatus?: Record<string, number> } }).constants?.compileCacheStatus ?? {}).map(([name, code]) => [code, name]),
);

/**
 * The folder for the cache: `compile-cache` one level above this code (dist/compile-cache for the bundle in
 * dist/bundle/), never DATA_DIR. Compiled code runs at the next start as if it were the relay's own, so it lives
 * where the code lives and only whoever may write the code may write it: in the image, dist/ is root's and the cache
 * is made when the image is built (Dockerfile), so a volume the relay writes can never plant code in it. Where the
 * folder cannot be written, Node reads what is there and writes nothing. Node keys each entry by the source's hash
 * and its own version: an entry of another build is never used. NODE_COMPILE_CACHE, when set, wins.
 */
export function compileCacheDir(codeUrl: string = import.meta.url): string {
  return fileURLToPath(new URL('../compile-cache/', codeUrl)).replace(/[\\/]$/, '');
}

/**
 * Turns on the compile cache before the relay's modules load (main.ts imports them after this returns): a restart
 * then reads V8's compiled code instead of compiling the bundle (or, run from dist/, some 750 files) again. A
 * folder that cannot be written only means no cache (Node reports FAILED and the relay starts as without it).
 */
export function startCompileCache(): CompileCacheResult {
  if (!enableCompileCache) return { status: 'unsupported' };
  const result = enableCompileCache(compileCacheDir());
  return { status: STATUS[result.status] ?? String(result.status), ...(result.directory ? { directory: result.directory } : {}) };
}

/**
 * Node writes the cache when the process exits cleanly; a relay that is later killed (SIGKILL, out of memory) would
 * leave none, and pay the full compile again at every restart. So it is written once a few seconds after start too
 * (Node 22.10+; where flushCompileCache is absent, only the exit writes it).
 */
export function flushCompileCacheSoon(): void {
  if (!flushCompileCache) return;
  setTimeout(flushCompileCache, FLUSH_AFTER_MS).unref();
}
