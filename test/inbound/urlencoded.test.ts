import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { readUrlencoded } from '../../src/inbound/urlencoded.js';

/** A request stream that delivers `body` in chunks of `size` bytes, with or without Content-Length. */
function request(body: Buffer, size: number, declareLength = true): IncomingMessage {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
  const headers = declareLength ? { 'content-length': String(body.length) } : {};
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

const limits = { maxBytes: 1024 * 1024, maxFields: 100 };
const values = (form: Awaited<ReturnType<typeof readUrlencoded>>, name: string) => form.fields.get(name)?.map((b) => b.toString('latin1'));

test('percent escapes split across chunk boundaries decode to the exact bytes', async () => {
  const body = Buffer.from('body-mime=Caf%E9%0D%0A%FF%00end&recipient=a%2Bb%40x.example&flag&empty=&=novalue&plus=a+b');
  for (const size of [1, 2, 3, 7, body.length]) {
    for (const declared of [true, false]) {
      const form = await readUrlencoded(request(body, size, declared), limits);
      assert.deepEqual(values(form, 'body-mime'), ['Caf\xe9\r\n\xff\x00end'], `chunk ${size}, declared ${declared}`);
      assert.deepEqual(values(form, 'recipient'), ['a+b@x.example']);
      assert.deepEqual(values(form, 'flag'), ['']);
      assert.deepEqual(values(form, 'empty'), ['']);
      assert.deepEqual(values(form, ''), ['novalue']);
      assert.deepEqual(values(form, 'plus'), ['a b']);
    }
  }
});

test('repeated fields keep every value in order; invalid escapes stay literal', async () => {
  const form = await readUrlencoded(request(Buffer.from('Received=one&Received=two&bad=%zz%4&tail=%'), 3), limits);
  assert.deepEqual(values(form, 'Received'), ['one', 'two']);
  assert.deepEqual(values(form, 'bad'), ['%zz%4']);
  assert.deepEqual(values(form, 'tail'), ['%']);
});

test('a body without Content-Length grows as needed and still stops at the limit', async () => {
  const big = Buffer.from(`x=${'a'.repeat(200_000)}`);
  const form = await readUrlencoded(request(big, 4096, false), limits);
  assert.equal(form.fields.get('x')?.[0]?.length, 200_000);
  await assert.rejects(readUrlencoded(request(big, 4096, false), { ...limits, maxBytes: 100_000 }), { code: 'PLUS_RELAY_PAYLOAD_TOO_LARGE', statusCode: 406 });
  await assert.rejects(readUrlencoded(request(Buffer.from('a=1&b=2&c=3'), 4), { ...limits, maxFields: 2 }), { code: 'PLUS_RELAY_TOO_MANY_PARTS', statusCode: 406 });
});
