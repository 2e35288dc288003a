import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readUrlencoded, type UrlencodedLimits } from '../../src/inbound/urlencoded.js';
import { bodyRegion } from '../../src/inbound/region.js';

const limits = { maxBytes: 1024 * 1024, maxFields: 100 };

/**
 * Reads `body` delivered in chunks of `size` bytes, with or without a Content-Length; `covered` records every
 * size the reader asked the budget for.
 */
function read(body: Buffer, size: number, declareLength = true, within: UrlencodedLimits = limits, covered: number[] = []) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
  const region = bodyRegion(declareLength ? body.length : NaN, within.maxBytes, { cover: (bytes) => void covered.push(bytes) });
  return readUrlencoded(Readable.from(chunks), within, region);
}
const values = (form: Awaited<ReturnType<typeof readUrlencoded>>, name: string) => form.fields.get(name)?.map((b) => b.toString('latin1'));

test('percent escapes split across chunk boundaries decode to the exact bytes', async () => {
  const body = Buffer.from('body-mime=Caf%E9%0D%0A%FF%00end&recipient=a%2Bb%40x.example&flag&empty=&=novalue&plus=a+b');
  for (const size of [1, 2, 3, 7, body.length]) {
    for (const declared of [true, false]) {
      const covered: number[] = [];
      const form = await read(body, size, declared, limits, covered);
      if (declared) assert.deepEqual(covered, [body.length], 'one region of the declared length, nothing more');
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
  const form = await read(Buffer.from('Received=one&Received=two&bad=%zz%4&tail=%'), 3);
  assert.deepEqual(values(form, 'Received'), ['one', 'two']);
  assert.deepEqual(values(form, 'bad'), ['%zz%4']);
  assert.deepEqual(values(form, 'tail'), ['%']);
});

test('a body without Content-Length grows as needed and still stops at the limit', async () => {
  const big = Buffer.from(`x=${'a'.repeat(200_000)}`);
  const covered: number[] = [];
  const form = await read(big, 4096, false, limits, covered);
  assert.equal(form.fields.get('x')?.[0]?.length, 200_000);
  assert.ok(covered.every((bytes) => bytes <= 2 * big.length), `covered ${covered.join(', ')}: at most twice what arrived`);
  await assert.rejects(read(big, 4096, false, { ...limits, maxBytes: 100_000 }), { code: 'PLUS_RELAY_PAYLOAD_TOO_LARGE', statusCode: 406 });
  await assert.rejects(read(Buffer.from('a=1&b=2&c=3'), 4, true, { ...limits, maxFields: 2 }), { code: 'PLUS_RELAY_TOO_MANY_PARTS', statusCode: 406 });
});
