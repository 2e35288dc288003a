import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory under the system's temp dir (`plus-relay-<name>-…`), removed when the test ends. */
export async function tempDir(t: Pick<TestContext, 'after'>, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `plus-relay-${name}-`));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
