import { readFileSync } from 'node:fs';

/**
 * This plus-relay's version, from its package.json: two folders up from this module wherever it runs (src/cli/ under
 * tsx, dist/cli/ after tsc, dist/bundle/ as bundled), read only when asked so that no other command pays for it.
 */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
