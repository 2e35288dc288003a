// The floor the relay is measured against: the least a forwarder on the same stack can do. Fastify +
// @fastify/formbody, one HMAC check, one mailgun.js send to a fixed address. No routing, no replay store, no
// logging. Run as its own process (prints `READY <port>`); configured by the environment:
//   SIGNING_KEY, MAILGUN_API_KEY, MAILGUN_API_URL, MAILGUN_DOMAIN, FORWARD_TO
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import Mailgun from 'mailgun.js';
import FormData from 'form-data';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new TypeError(`minimal-forwarder: ${name} is required`);
  return value;
}

const signingKey = required('SIGNING_KEY');
const domain = required('MAILGUN_DOMAIN');
const forwardTo = required('FORWARD_TO');
const mailgun = new Mailgun(FormData).client({ username: 'api', key: required('MAILGUN_API_KEY'), url: required('MAILGUN_API_URL'), timeout: 15_000 });

const app = Fastify({ logger: false });
await app.register(formbody);
app.post('/mailgun/inbound', async (request, reply) => {
  const body = request.body as Record<string, string | undefined>;
  const expected = createHmac('sha256', signingKey).update(`${body.timestamp ?? ''}${body.token ?? ''}`).digest();
  const given = Buffer.from(body.signature ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(401).send({ message: 'bad signature' });
  const sent = await mailgun.messages.create(domain, {
    from: body.from ?? 'unknown@example.invalid',
    to: [forwardTo],
    subject: body.subject ?? '',
    text: body['body-plain'] ?? ' ',
    ...(body['body-html'] ? { html: body['body-html'] } : {}),
  });
  return { id: sent.id };
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${new URL(address).port}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
