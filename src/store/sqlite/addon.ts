import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The running Node, as the start-up check needs to know it. */
export interface NodeRuntime {
  version: string;
  /** process.versions.modules: the ABI a native addon must be built for. */
  abi: string;
  execPath: string;
  /** npm's `nodedir` setting (npm_config_nodedir in an npm script's environment): the headers node-gyp builds against. */
  nodedir: string | undefined;
}

export type AddonVerdict = { ok: true } | { ok: false; message: string };

/**
 * Whether better-sqlite3's native addon loads on this Node. It is built at install for one Node ABI; after a switch
 * of Node (or a build against an npm `nodedir` of another Node) the first `new Database` throws ERR_DLOPEN_FAILED
 * with a stack that names neither Node's version nor the fix, and `npm rebuild better-sqlite3` alone rebuilds
 * against that same `nodedir` again. The verdict is one line: both ABIs and the command that fixes it.
 */
export function checkSqliteAddon(node: NodeRuntime): AddonVerdict {
  try {
    new Database(':memory:').close();
    return { ok: true };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    // "… was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires …"
    const built = /compiled against a different Node\.js version using\s+NODE_MODULE_VERSION (\d+)/.exec(text)?.[1];
    const why = built
      ? `better-sqlite3's native addon was built for Node ABI ${built}, but this is Node ${node.version} (ABI ${node.abi})`
      : `better-sqlite3's native addon does not load on Node ${node.version} (ABI ${node.abi}): ${text.split('\n')[0]}`;
    return { ok: false, message: `${why}; ${fix(node)}` };
  }
}

/**
 * `npm rebuild better-sqlite3`, run with this Node. With an npm `nodedir` set, node-gyp would build against those
 * headers again: point it at this Node's own (an official build has include/node beside bin/), or unset it so
 * node-gyp fetches the right ones.
 */
function fix(node: NodeRuntime): string {
  if (!node.nodedir) return 'run `npm rebuild better-sqlite3`';
  const own = dirname(dirname(node.execPath));
  const headers = existsSync(join(own, 'include', 'node', 'node_version.h')) ? own : '';
  return `npm's nodedir is ${node.nodedir}: run \`npm_config_nodedir=${headers} npm rebuild better-sqlite3\``;
}
