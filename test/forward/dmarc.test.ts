// The DMARC check on its own, resolving through node:dns against a loopback DNS server: the cases the HTTP tests do
// not reach (subdomain policies, one failing zone among working ones, what the cache keeps and forgets).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createDmarcCheck, type DmarcCheckOptions } from '../../src/forward/dmarc.js';
import { dnsResolver } from '../../src/forward/dns.js';
import { startDnsServer, type TxtRecords } from '../support/dns-server.js';
import { dkimSignedMime, sampleMime } from '../support/fixtures.js';
import { testClock } from '../helpers/build.js';
import { readRawHeader } from '../../src/mail/header-view.js';

async function checker(t: TestContext, txt: TxtRecords, options: Partial<DmarcCheckOptions> = {}) {
  const dns = await startDnsServer(txt);
  t.after(() => dns.close());
  const check = createDmarcCheck(dnsResolver([dns.address]), { clock: testClock(), ...options });
  // The header section read as the inbound side reads it.
  const dmarc = {
    check(raw: Buffer) {
      const header = readRawHeader(raw);
      if (!header) throw new RangeError('header section over the limit');
      return check.check(raw, header);
    },
  };
  return { dns, dmarc };
}

test("a subdomain without its own record falls under the organisation's sp= policy", async (t) => {
  const { dns, dmarc } = await checker(t, { '_dmarc.example.net': ['v=DMARC1; p=none; sp=reject'] });
  const verdict = await dmarc.check(sampleMime({ from: 'News <news@mail.example.net>' }));
  assert.deepEqual(verdict, { action: 'rewrite', reason: 'no-aligned-dkim', domain: 'mail.example.net', policy: 'reject' });
  assert.deepEqual(dns.questions.map((q) => q.name), ['_dmarc.mail.example.net', '_dmarc.example.net']);
});

test('relaxed alignment: a signature of a subdomain of the From domain carries DMARC', async (t) => {
  const signed = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>' }), { domain: 'mail.example.net' });
  const { dmarc } = await checker(t, { '_dmarc.example.net': ['v=DMARC1; p=reject'], ...signed.records });
  assert.deepEqual(await dmarc.check(signed.mime), { action: 'keep', reason: 'aligned-dkim', domain: 'example.net', policy: 'reject' });
});

test("an aligned signature whose key cannot be looked up is not rewritten on a guess; an unaligned one is", async (t) => {
  const aligned = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>' }), { domain: 'example.net', selector: 'broken' });
  const unaligned = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>' }), { domain: 'esp.example.com', selector: 'broken' });
  const { dns, dmarc } = await checker(t, { '_dmarc.example.net': ['v=DMARC1; p=reject'], ...aligned.records, ...unaligned.records });
  dns.failing.add('broken._domainkey.example.net').add('broken._domainkey.esp.example.com');
  const kept = await dmarc.check(aligned.mime);
  assert.equal(kept.action, 'keep');
  assert.equal(kept.reason, 'dns-error');
  assert.match(kept.detail ?? '', /DKIM key of example\.net/);
  assert.equal((await dmarc.check(unaligned.mime)).action, 'rewrite');
});

test('a failing DMARC lookup forwards unchanged; failures are not cached, absent records are', async (t) => {
  const { dns, dmarc } = await checker(t, {});
  dns.failing.add('_dmarc.example.org');
  const failing = sampleMime({ from: 'a@example.org' });
  assert.deepEqual([(await dmarc.check(failing)).reason, (await dmarc.check(failing)).reason], ['dns-error', 'dns-error']);
  assert.equal(dns.asked('_dmarc.example.org'), 2, 'a failure is asked again');
  const absent = sampleMime({ from: 'b@example.net' });
  assert.deepEqual([(await dmarc.check(absent)).reason, (await dmarc.check(absent)).reason], ['no-policy', 'no-policy']);
  assert.equal(dns.asked('_dmarc.example.net'), 1, 'no record is an answer, remembered');
});

test('the cache holds a bounded number of names, dropping the oldest', async (t) => {
  const { dns, dmarc } = await checker(t, {}, { maxCacheEntries: 2 });
  for (const domain of ['one.example', 'two.example', 'three.example', 'one.example']) await dmarc.check(sampleMime({ from: `x@${domain}` }));
  assert.equal(dns.asked('_dmarc.one.example'), 2);
  assert.equal(dns.asked('_dmarc.three.example'), 1);
});

test('no single From address: nothing to decide DMARC on, so From is rewritten without a lookup', async (t) => {
  const { dmarc, dns } = await checker(t, { '_dmarc.example.net': ['v=DMARC1; p=reject'] });
  const rewrite = { action: 'rewrite', reason: 'no-single-from', domain: null, policy: null };
  assert.deepEqual(await dmarc.check(sampleMime({ from: 'a@example.net, b@example.net' })), rewrite);
  assert.deepEqual(await dmarc.check(Buffer.from('To: x@destroy.systems\r\n\r\nbody')), rewrite);
  assert.deepEqual(await dmarc.check(sampleMime({ headers: ['From: c@example.org'] })), rewrite, 'two From fields');
  assert.deepEqual(await dmarc.check(sampleMime({ from: 'Bob <bob@exam ple.net>' })), rewrite, 'a domain that is no DNS name');
  assert.deepEqual(dns.questions, []);
  // One author, whatever its display name holds: quoted `@` and commas are no addresses.
  assert.equal((await dmarc.check(sampleMime({ from: '"bob@example.net, team" <bob@example.net>' }))).reason, 'no-aligned-dkim');
});

test('under no policy or p=none the DKIM check is skipped: its key is never looked up, the bytes are kept', async (t) => {
  const loose = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>' }), { domain: 'example.net', selector: 'loose' });
  const bare = await dkimSignedMime(sampleMime({ from: 'Ann <ann@example.org>' }), { domain: 'example.org', selector: 'bare' });
  const { dns, dmarc } = await checker(t, { '_dmarc.example.net': ['v=DMARC1; p=none'], ...loose.records, ...bare.records });
  assert.deepEqual(await dmarc.check(loose.mime), { action: 'keep', reason: 'not-enforced', domain: 'example.net', policy: 'none' });
  assert.deepEqual(await dmarc.check(bare.mime), { action: 'keep', reason: 'no-policy', domain: 'example.org', policy: null });
  assert.equal(dns.asked('loose._domainkey.example.net') + dns.asked('bare._domainkey.example.org'), 0);
});
