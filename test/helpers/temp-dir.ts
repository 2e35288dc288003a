import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * A fresh directory under the system's temp dir (`plus-relay-<name>-…`), removed when the test ends.
 *
 * Removed in one synchronous call: `after` hooks run in the order they were registered, so this one runs before
 * the hooks that close what the test opened in the directory, and a SQLite store still open there writes its
 * deleted file back on its next check. An asynchronous removal let that check run between emptying the directory
 * and removing it (ENOTEMPTY under load); once it is gone, the store cannot write anything back into it.
 */
export async function tempDir(t: Pick<TestContext, 'after'>, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `plus-relay-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
