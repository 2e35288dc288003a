#!/usr/bin/env node
// The process's entry. Only the compile cache is imported statically: ESM compiles a module's whole import graph
// before running any of it, so the cache must be on before the relay's graph (server.ts) is imported at all.
import { flushCompileCacheSoon, startCompileCache } from './compile-cache.js';

startCompileCache();
await import('./server.js');
// The relay listens now: its modules are all compiled.
flushCompileCacheSoon();
