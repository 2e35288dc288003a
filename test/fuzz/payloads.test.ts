// Seeded mutation fuzzing of real payload shapes (parsed/raw × urlencoded/multipart). Most cases are
// freshly signed so the mutations reach parsing, routing and sending, not just the signature check.
// Checks: never a 5xx, /healthz stays 200, and no send ever goes to an address outside the rule targets.
// FUZZ_SEED and FUZZ_CASES reproduce or widen a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, RULES_UNGUARDED, SIGNING_KEY } from '../helpers/build.js';
import {
  freshSignatureBlock,
  parsedMultipart,
  parsedUrlencoded,
  rawModeFields,
  rawMultipart,
  rawUrlencoded,
  sampleMessage,
  sampleMime,
  type FilePart,
  type Payload,
} from '../support/fixtures.js';

type Fields = Array<readonly [string, string]>;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20260214);
const CASES = Number(process.env.FUZZ_CASES ?? 400);
const rand = mulberry32(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;

// What the RULES in test/helpers/build.ts can ever produce: one address per send, on these templates.
const ALLOWED = /^(personalemail\+[^@\s,<>"]*@gmail\.com|(partner|parent|kid)\+[^@\s,<>"]*@fastmail\.com)$/;

const RECIPIENTS = [
  'github@destroy.systems',
  'owner+shop@destroy.systems',
  'family+school@destroy.systems',
  'partner.bank@destroy.systems',
  'abuse@destroy.systems',
  'victim@evil.example,github@destroy.systems',
  'github@destroy.systems, victim@evil.example',
  '"victim@evil.example"@destroy.systems',
  'victim@evil.example@destroy.systems',
  'Victim <victim@evil.example>',
  'github@destroy.systems\r\nBcc: victim@evil.example',
  'owner+{service}@destroy.systems',
  'owner+x@evil.example',
  'owner+@destroy.systems',
  '@destroy.systems',
  'owner+ünï€ødé@destroy.systems',
  'owner+a%b@destroy.systems',
  'owner+a"b@destroy.systems',
  'OWNER+Shop@DESTROY.SYSTEMS.',
  'owner+shop@destroy.systems\u0000victim@evil.example',
];
function recipient(): string {
  const r = rand();
  if (r < 0.1) return `${'a'.repeat(1 + int(200_000))}@destroy.systems`;
  if (r < 0.15) return `owner+${'x'.repeat(1 + int(5000))}@destroy.systems`;
  if (r < 0.25) return `${Array.from({ length: 1 + int(30) }, () => String.fromCharCode(32 + int(95))).join('')}@destroy.systems`;
  return pick(RECIPIENTS);
}

const BAD_HEADERS = [
  '[["Received", 5], [1, 2], {"a": 1}, null, "x", ["Message-Id"], ["X-Plus-Relay", ["destroy.systems"]]]',
  '{"not": "a list"}',
  '[["From", "Bob <bob@example.net>"',
  '[[' .repeat(2000) + ']]'.repeat(2000),
  '[["Message-Id", {"$ne": null}], ["To", true], ["Subject", 1e400]]',
  'null',
  '',
  JSON.stringify(Array.from({ length: 30 }, () => ['Received', 'from loop'])),
];

function signBlock(): Fields {
  const b = freshSignatureBlock(SIGNING_KEY);
  return [['timestamp', b.timestamp], ['token', b.token], ['signature', b.signature]];
}

function mutateFields(fields: Fields): Fields {
  let out = [...fields];
  const rounds = 1 + int(3);
  for (let i = 0; i < rounds; i++) {
    const at = int(out.length);
    switch (int(8)) {
      case 0: // drop a field
        out.splice(at, 1);
        break;
      case 1: // duplicate a field
        if (out[at]) out.push(out[at]);
        break;
      case 2:
        out = out.map(([n, v]) => (n === 'message-headers' ? [n, pick(BAD_HEADERS)] : [n, v]));
        break;
      case 3:
        out = out.map(([n, v]) => (n === 'attachment-count' ? [n, pick(['7', '-1', 'abc', '1e400', '', '0'])] : [n, v]));
        break;
      case 4:
        out = out.map(([n, v]) => (n === 'recipient' ? [n, recipient()] : [n, v]));
        break;
      case 5:
        out.push(['content-id-map', pick(['{"<a>": 1}', '{"": "attachment-1", "<x>": "attachment-1"}', '[1,2]', '{'])]);
        break;
      case 6: // a field with garbage bytes as its value
        if (out[at]) out[at] = [out[at][0], Buffer.from(Array.from({ length: int(64) }, () => int(256))).toString('latin1')];
        break;
      default: // odd field names
        out.push([pick(['', ' ', 'recipient[]', '__proto__', 'constructor', 'body-mime']), pick(['x', '', 'github@destroy.systems'])]);
    }
  }
  return out;
}

function mutateBytes(payload: Payload): Payload {
  const bytes = Buffer.from(payload.payload);
  let headers: Record<string, string> = { ...payload.headers };
  switch (int(4)) {
    case 0:
      return { payload: bytes.subarray(0, int(bytes.length)), headers: payload.headers };
    case 1:
      for (let i = 0; i < 1 + int(8); i++) bytes[int(bytes.length)] = int(256);
      break;
    case 2:
      headers = {
        'content-type': pick([
          'multipart/form-data',
          'multipart/form-data; boundary=',
          'multipart/form-data; boundary=nope',
          'application/x-www-form-urlencoded; charset=latin1',
          'application/json',
          'text/plain',
          'multipart/mixed; boundary=x',
          '',
          'application/x-www-form-urlencoded\r\nX-Injected: 1',
        ]),
      };
      break;
    default:
      return { payload: Buffer.concat([bytes, bytes.subarray(0, int(bytes.length))]), headers: payload.headers };
  }
  return { payload: bytes, headers: headers as Payload['headers'] };
}

function baseCase(n: number): { url: string; payload: Payload; fieldsMutated: boolean } {
  const rcpt = pick(RECIPIENTS.slice(0, 4));
  const id = `<fuzz.${n}.${int(1e9)}@mail.example.net>`;
  const sample = sampleMessage({ recipient: rcpt });
  const fields: Fields = sample.fields.map(([k, v]) => (k === 'message-headers' ? [k, v.replace('<CAF=bob.1234@mail.example.net>', id)] : [k, v]));
  const mutate = rand() < 0.7;
  const sign = rand() < 0.85;
  const finalFields = (list: Fields): Fields => {
    const mutated = mutate ? mutateFields(list) : list;
    return sign ? [...mutated.filter(([k]) => !['timestamp', 'token', 'signature'].includes(k)), ...signBlock()] : mutated;
  };
  const file = (i: number): FilePart => ({ field: `attachment-${i}`, filename: pick(['a.pdf', '..', '\\share\\x.msg', '', 'ünï.txt']), contentType: pick(['application/pdf', '', 'text/plain; charset=x']), data: Buffer.alloc(int(2048), int(256)) });
  switch (int(4)) {
    case 0:
      return { url: '/mailgun/inbound', payload: parsedUrlencoded(finalFields(fields)), fieldsMutated: mutate };
    case 1:
      return { url: '/mailgun/inbound', payload: parsedMultipart(finalFields(fields), Array.from({ length: int(4) }, (_, i) => file(i + 1))), fieldsMutated: mutate };
    case 2: {
      const mime = sampleMime({ to: rcpt, messageId: id, headers: rand() < 0.2 ? ['X-Plus-Relay: destroy.systems'] : [] });
      return { url: '/mailgun/inbound/mime', payload: rawUrlencoded(rand() < 0.2 ? mime.subarray(0, int(mime.length)) : mime, finalFields(rawModeFields(sample))), fieldsMutated: mutate };
    }
    default: {
      const mime = sampleMime({ to: rcpt, messageId: id, latin1Body: true });
      return { url: '/mailgun/inbound/mime', payload: rawMultipart(mime, finalFields(rawModeFields(sample))), fieldsMutated: mutate };
    }
  }
}

test(`fuzz: ${CASES} mutated Mailgun payloads (seed ${SEED}) never get a 5xx and never send outside the rule targets`, async (t) => {
  const { app, api } = await build(t, { rules: RULES_UNGUARDED });
  const started = Date.now();
  const statuses = new Map<number, number>();
  for (let n = 0; n < CASES; n++) {
    const c = baseCase(n);
    const payload = rand() < 0.35 ? mutateBytes(c.payload) : c.payload;
    const res = await app.inject({ method: 'POST', url: c.url, payload: payload.payload, headers: payload.headers });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    assert.ok(res.statusCode < 500, `case ${n} (seed ${SEED}): ${res.statusCode} ${res.body}`);
  }
  const health = await app.inject('/healthz');
  assert.equal(health.statusCode, 200, health.body);
  for (const sent of api.sent) {
    assert.equal(sent.to.length, 1, JSON.stringify(sent.to));
    assert.match(sent.to[0] ?? '', ALLOWED);
  }
  t.diagnostic(`statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${api.sent.length} sends, ${Date.now() - started} ms`);
  assert.ok((statuses.get(200) ?? 0) > CASES / 10, 'enough cases reach a send for the target check to mean something');
  assert.ok(api.sent.length > CASES / 10);
});
