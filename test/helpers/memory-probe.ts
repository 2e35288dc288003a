// Preloaded into a relay process by relay-memory-process.ts (`--import`): answers 'memory' on the IPC channel with the
// process's memory right after a full garbage collection, so what is left is what the relay still holds.
// Needs `node --expose-gc`, which production passes anyway (src/inbound/reclaim.ts).
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-probe: start node with --expose-gc');
const collect = gc;

process.on('message', (message: unknown) => {
  if (message !== 'memory') return;
  // Twice: the first collection runs finalizers that can free more in the second.
  collect();
  collect();
  const { heapUsed, external, arrayBuffers, rss } = process.memoryUsage();
  process.send?.({ heapUsed, external, arrayBuffers, rss });
});
// The channel must not keep the relay alive: it stops on SIGTERM as in production.
process.channel?.unref();
