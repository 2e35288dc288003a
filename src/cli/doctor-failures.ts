import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../clock.js';
import { createRedisStore } from '../store/redis/index.js';
import { DATABASE_FILE } from '../store/sqlite/database.js';
import { createSqliteStore } from '../store/sqlite/index.js';
import { failureId } from '../store/failures.js';
import type { FailureEntry, Store } from '../store/types.js';
import { repeatedBounceLine, REPEATED_BOUNCES_SHOWN } from '../events/bounce-warning.js';
import type { Report } from './doctor-report.js';
import type { CliIO } from './io.js';

const SHOWN = 20;
const REPEATED_BOUNCE_FIX =
  "find the refused messages in the log (\"bounce removed again\", and the \"event\" lines of the alias), then block the alias (plus-relay block <alias>) or refuse such mail in rules.yaml (spam: {then: reject}, senders.block)";
const REDIS_WAIT_MS = 3000;

/**
 * The relay's store, when this machine has it (on Fly: `fly ssh console -C "node dist/cli/main.js doctor"`):
 * REDIS_URL, or the SQLite file in DATA_DIR. Null when there is none here; never creates one.
 */
async function openStore(io: CliIO): Promise<Store | null> {
  const url = io.env.REDIS_URL?.trim();
  if (url) {
    const store = createRedisStore({ url, connectTimeoutMs: REDIS_WAIT_MS });
    for (const until = Date.now() + REDIS_WAIT_MS; !(await store.health()).ok && Date.now() < until; ) await systemClock.sleep(50);
    return store;
  }
  const dataDir = resolve(io.cwd, io.env.DATA_DIR?.trim() || './data');
  return existsSync(join(dataDir, DATABASE_FILE)) ? createSqliteStore({ location: { dataDir }, clock: systemClock }) : null;
}

const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** What can be done about the last failure: resend it by its id (the owner copies it from here), or why not. */
function resendHint({ last, resentAt }: FailureEntry): string {
  const id = failureId(last);
  if (resentAt !== null) return `id ${id}, resent at ${minute(resentAt)} UTC`;
  if (last.storageUrl === null) return `id ${id}, no stored message to resend`;
  return `id ${id}: plus-relay resend ${id}`;
}

function describe(entry: FailureEntry): string {
  const { count, last } = entry;
  const status = [last.code, last.message].filter((p) => p !== null && p !== '').join(' ');
  return `${last.alias} → ${last.target}: ${count} failed forward${count === 1 ? '' : 's'}, the last at ${minute(last.at)} UTC (${last.severity} ${last.reason}${status ? `: ${status}` : ''}); ${resendHint(entry)}`;
}

/**
 * The failed forwards Mailgun reported to the relay (newest first), and the targets the relay had to free
 * from the bounce list more than once within a day, as warnings: history, not a broken setup.
 */
export async function checkRecordedFailures(io: CliIO, r: Report): Promise<void> {
  let store: Store | null;
  try {
    store = await openStore(io);
  } catch (err) {
    r.warn(`cannot open the relay's store to show recorded failures: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (!store) return;
  try {
    const recent = await store.failures.recent(SHOWN);
    if (recent.length === 0) r.ok(`no failed forwards recorded in the last 30 days (store ${store.kind})`);
    for (const entry of recent) r.warn(describe(entry));
    for (const repeated of await store.bounces.repeated(REPEATED_BOUNCES_SHOWN)) r.warn(repeatedBounceLine(repeated), REPEATED_BOUNCE_FIX);
  } catch (err) {
    r.warn(`cannot read recorded failures from the store (${store.kind}): ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await store.close();
  }
}
