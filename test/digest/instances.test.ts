// Two relays on one Redis: the day's digest is claimed once between them, whoever asks first and however often.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { clockAt, digestRelay, MORNING, sendDigest } from './helpers.js';

test('two instances sharing Redis send each user one digest a day between them', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return t.skip('redis-server is not installed');
  const namespace = `plus-relay-test-${randomUUID()}`;
  const [storeA, storeB] = [redisStore(t, url, namespace), redisStore(t, url, namespace)];
  await Promise.all([untilHealthy(storeA), untilHealthy(storeB)]);
  await storeA.inventory.record({ address: 'github@destroy.systems', at: MORNING - 3600_000, outcome: 'forwarded', senderDomain: 'cheap-pills.example', newSender: true });

  const a = await digestRelay(t, clockAt(MORNING), { store: storeA });
  const b = await digestRelay(t, clockAt(MORNING), { store: storeB });
  const answers = await Promise.all([sendDigest(a.app), sendDigest(b.app), sendDigest(a.app), sendDigest(b.app)]);
  const owner = answers.map((answer) => answer.digests.find((d) => d.user === 'owner')?.status);
  assert.equal(owner.filter((s) => s === 'sent').length, 1, `one sent: ${owner.join(', ')}`);
  assert.ok(owner.every((s) => s === 'sent' || s === 'already-sent' || s === 'in-progress'), owner.join(', '));
  assert.equal(a.api.sent.length + b.api.sent.length, 1);

  // Later that day, both asked again: still the one.
  for (const relay of [a, b]) relay.clock.offsetMs += 3600_000;
  const later = await Promise.all([sendDigest(a.app), sendDigest(b.app)]);
  assert.deepEqual(later.map((answer) => answer.digests.find((d) => d.user === 'owner')?.status), ['already-sent', 'already-sent']);
  assert.equal(a.api.sent.length + b.api.sent.length, 1);
  await Promise.all([a.app.close(), b.app.close()]);
});
