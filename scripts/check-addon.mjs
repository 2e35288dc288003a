#!/usr/bin/env node
// `npm ci`'s last step (prepare, after the build): better-sqlite3's native addon was just built, maybe against the
// headers of another Node (npm's nodedir) or before a switch of Node; say so now, with the same one line and fix the
// relay's start gives (src/store/sqlite/addon.ts), rather than at the first start. Silent when it loads.
// Plain JavaScript: it runs the build tsc just made, without a TypeScript loader.
import { checkSqliteAddon } from '../dist/store/sqlite/addon.js';

const verdict = checkSqliteAddon({
  version: process.version,
  abi: process.versions.modules,
  execPath: process.execPath,
  nodedir: process.env.npm_config_nodedir,
});
if (!verdict.ok) {
  console.error(`plus-relay: ${verdict.message}`);
  process.exit(1);
}
