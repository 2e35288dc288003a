// The real app listening on loopback, with its SQLite store in a directory the test controls (a small disk, a
// DATA_DIR whose file it deletes), posted to over HTTP as Mailgun would.
import type { TestContext } from 'node:test';
import { build, SIGNING_KEY } from './build.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { exactlyOncePolicy } from '../../src/exactly-once.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import type { Clock } from '../../src/clock.js';

export type Post = ReturnType<typeof parsedUrlencoded>;

/** A message to github@ (one target), signed with a fresh token; `subject` tells two of them apart. */
export function signedMessage(subject = 'hello'): Post {
  const block = freshSignatureBlock(SIGNING_KEY);
  const message = sampleMessage({ recipient: 'github@destroy.systems', subject });
  return parsedUrlencoded([...message.fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
}

/** The relay, its HTTP face, and how far to move the clock for a claim held by a dead request to expire. */
export async function sqliteRelay(t: TestContext, dir: string, clock: Clock) {
  // Checks often, so a test sees what production does within 5 s.
  const store = createSqliteStore({ location: { dataDir: dir }, clock, checkEveryMs: 50 });
  t.after(() => store.close());
  const built = await build(t, { store, clock });
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    ...built,
    async post(body: Post) {
      const res = await fetch(`${url}/mailgun/inbound`, { method: 'POST', body: body.payload, headers: body.headers });
      return { status: res.status, body: (await res.json()) as { status: string } };
    },
    health: async () => (await fetch(`${url}/healthz`)).status,
    claimExpiryMs: exactlyOncePolicy(built.config.env).claimTtlMs + 1000,
  };
}

export type SqliteRelay = Awaited<ReturnType<typeof sqliteRelay>>;
