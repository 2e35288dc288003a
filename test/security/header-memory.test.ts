// A 23 MB raw message that is all header, From a p=reject domain: it used to cost its relay 281 MiB of
// resident memory, three at once more than the Fly VM's 512 MB. Refused once the header section passes 256 KiB,
// before any header-wide work, it costs what reading any message of its size costs. The relay runs as production
// runs it, in a process of its own, so its memory is measured apart from the test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { API_KEY, RULES, SIGNING_KEY } from '../helpers/build.js';
import { startRelay } from '../helpers/relay-process.js';
import { startMailgunApi } from '../support/mailgun-api.js';
import { startDnsServer } from '../support/dns-server.js';
import { freshSignatureBlock, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';
import { peakRss, rssBytes } from '../../bench/proc.js';

const MB = 1_000_000;
const ALIAS = 'github@destroy.systems';

function post(url: string, mime: Buffer) {
  const block = freshSignatureBlock(SIGNING_KEY);
  const fields = [...rawModeFields(sampleMessage({ recipient: ALIAS })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
  const body = rawUrlencoded(mime, [...fields].filter(([name]) => name !== 'from'));
  return async () => {
    const res = await request(`${url}/mailgun/inbound/mime`, { method: 'POST', headers: body.headers, body: body.payload, headersTimeout: 120_000, bodyTimeout: 120_000 });
    return { status: res.statusCode, text: await res.body.text() };
  };
}

test('a 23 MB message that is all header, From a p=reject domain: refused 406, resident memory over idle at most 1.3× its size', { timeout: 180_000 }, async (t) => {
  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const dns = await startDnsServer({ '_dmarc.example.net': ['v=DMARC1; p=reject'] });
  t.after(() => dns.close());
  const dir = await mkdtemp(join(tmpdir(), 'plus-relay-headers-'));
  await writeFile(join(dir, 'rules.yaml'), RULES);
  const relay = await startRelay(
    { RULES_FILE: join(dir, 'rules.yaml'), MAILGUN_API_KEY: API_KEY, MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY, MAILGUN_API_URL: api.url, DNS_SERVERS: dns.address, LOG_LEVEL: 'info' },
    { nodeArgs: ['--expose-gc'], keepBytes: 4000, startTimeoutMs: 60_000 },
  );
  t.after(() => relay.child.kill('SIGKILL'));
  const pid = relay.child.pid as number;

  // Idle: after an ordinary raw message From the same domain, so code loaded on first use counts as idle.
  assert.equal((await post(relay.url, sampleMime({ from: 'Bob <bob@example.net>' }))()).status, 200);
  const line = `X-Filler: ${'f'.repeat(68)}\r\n`;
  const attack = Buffer.from(`From: Bob <bob@example.net>\r\n${line.repeat(Math.ceil((23 * MB) / line.length))}\r\nbody\r\n`);
  const send = post(relay.url, attack);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const idle = rssBytes(pid);

  const { peak, result, source } = await peakRss(pid, send);
  assert.equal(result.status, 406, result.text);
  assert.match(result.text, /PLUS_RELAY_HEADER_TOO_LARGE/);
  assert.equal(api.sent.length, 1, 'only the ordinary message was sent');
  const ratio = (peak - idle) / attack.length;
  t.diagnostic(`message ${(attack.length / MB).toFixed(1)} MB; idle ${(idle / MB).toFixed(0)} MB; peak ${(peak / MB).toFixed(0)} MB (${source}); ratio ${ratio.toFixed(2)}`);
  // What the relay holds is the post it was sent (the message, url-encoded) and a few MB besides: 26–28 MB for this
  // 23 MB message, 1.12–1.24× its size over repeated runs on Node 20 and 22. 1.3 keeps the test about the relay's
  // bound (before the header cap it was 7.77×), not about which side of 1.2 one run's garbage fell.
  assert.ok(ratio <= 1.3, `peak RSS over idle was ${ratio.toFixed(2)}× the message`);
});
