// The Dockerfile's step after `npm run build`: starts the relay once, as the image's CMD does, with every optional
// part that its tokens load (admin page, alias API), and stops it with SIGTERM: Node writes the compiled code to
// dist/compile-cache on the way out (src/compile-cache.ts). The image then carries that folder root-owned, read-only
// to the relay, so no volume or request can put code in it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [entry = 'dist/bundle/main.js', ...nodeArgs] = process.argv.slice(2).reverse();
const scratch = mkdtempSync(join(tmpdir(), 'plus-relay-warm-'));
const child = spawn(process.execPath, [...nodeArgs.reverse(), entry], {
  env: {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: join(scratch, 'data'),
    OUTBOX_DIR: join(scratch, 'outbox'),
    ADMIN_TOKEN: 'warm-compile-cache-admin',
    ALIAS_API_TOKEN: 'warm-compile-cache-alias-api',
    LOG_FORMAT: 'json',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
let output = '';
const listening = (d) => {
  output += d.toString();
  if (!/Server listening at/.test(output)) return;
  child.stdout.off('data', listening);
  child.stdout.resume();
  child.kill('SIGTERM');
};
child.stdout.on('data', listening);
const code = await new Promise((resolve) => child.once('exit', resolve));
clearTimeout(timer);
rmSync(scratch, { recursive: true, force: true });
if (code !== 0) {
  console.error(`warm-compile-cache: the relay exited with ${code}:\n${output}`);
  process.exit(1);
}
