// A Node binary of another major than the one running the tests, so its ABI differs from the one the native addon
// (better-sqlite3) was built for: a real mismatch without building anything. The official binary comes from the npm
// registry (node-linux-<arch>, as .ci/run fetches the image's Node), cached under the system's temp dir. Without it
// (offline) the test is skipped with a message locally, and fails in CI (CI=true), where it must run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface OtherNode {
  /** Its bin/node. */
  bin: string;
  /** Its installation (bin/, include/node): what npm's nodedir would name. */
  home: string;
  abi: string;
}

export function otherNode(t: TestContext): OtherNode | undefined {
  const major = process.versions.node.startsWith('22.') ? 24 : 22;
  const home = join(tmpdir(), `plus-relay-node-${process.arch}-${major}`);
  const bin = join(home, 'bin', 'node');
  try {
    if (!existsSync(bin)) {
      // Unpacked beside, then renamed into place: two test processes may fetch it at once.
      const work = mkdtempSync(`${home}-fetch-`);
      try {
        execFileSync('npm', ['pack', `node-linux-${process.arch}@${major}`, '--pack-destination', work, '--loglevel=error'], { stdio: 'ignore', timeout: 120_000 });
        const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
        if (!tarball) throw new Error('npm pack wrote no tarball');
        execFileSync('tar', ['-xzf', join(work, tarball), '-C', work]);
        if (!existsSync(bin)) renameSync(join(work, 'package'), home);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    return { bin, home, abi: execFileSync(bin, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim() };
  } catch (err) {
    const why = `no Node ${major} binary (npm pack node-linux-${process.arch}@${major}): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    if (process.env.CI === 'true') throw new Error(`${why} — in CI the native addon test must run`);
    t.skip(why);
    return undefined;
  }
}
