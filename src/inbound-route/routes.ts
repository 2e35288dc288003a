import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { MultipartLimits } from '../inbound/multipart.js';
import type { BodyBudget } from '../inbound/budget.js';
import type { SignaturePolicy } from '../inbound/signature.js';
import { formKind, readForm } from '../inbound/read-form.js';
import { claimedAddresses, verifyForm } from '../inbound/signed.js';
import { readInbound } from '../inbound/message.js';
import { UnsupportedMediaType } from '../inbound/errors.js';
import { deliver, type DeliveryDeps, type DeliveryResult } from '../deliver.js';
import { statusOf } from '../retry-contract.js';
import { deliveryLine, logDelivery } from './delivery-line.js';

export interface InboundRoutesOptions {
  delivery: DeliveryDeps;
  signature: SignaturePolicy;
  budget: BodyBudget;
  limits: MultipartLimits;
  onDelivery?: ((result: DeliveryResult, durationMs: number) => void) | undefined;
}

/**
 * Mailgun's two forward() shapes. Parsed mode posts to /mailgun/inbound, raw mode to a URL
 * ending in `mime`; each accepts urlencoded or multipart, and a `body-mime` wins wherever it
 * arrives, because the original bytes are what keeps the sender's DKIM valid.
 *
 * One post, in order: its type (415 for anything but the two forms, unread), its size and the body
 * budget (406 / 503, unread), its bytes, its signature (401, nothing parsed), then the message.
 */
export const inboundRoutes: FastifyPluginAsync<InboundRoutesOptions> = async (app, { delivery, signature, budget, limits, onDelivery }) => {
  // Fastify reads no body here: its parsers only mark the two forms, and the handler reads them once the
  // budget has admitted the request, as bytes (not @fastify/formbody, which decodes the body as a UTF-8
  // string: 8-bit `body-mime` bytes, and the sender's DKIM with them, would be lost). Every other type is
  // refused before its body is read (a JSON body used to be parsed in full first).
  // A request refused early keeps its connection: Node reads and drops the rest of its body, never holding
  // it, until it ends or REQUEST_TIMEOUT_MS. Closing at once, with bytes unread, makes the kernel reset the
  // connection, and clients then lose the answer (measured: 2 of 10 refused clients saw a reset, not a 503).
  app.removeAllContentTypeParsers();
  await app.register(multipart, { throwFileSizeLimit: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', (_request, _payload, done) => done(null));
  app.addHook('onRequest', async (request) => {
    if (!formKind(request.headers['content-type'])) throw new UnsupportedMediaType(String(request.headers['content-type'] ?? 'none'));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    const form = await readForm(request, reply, budget, limits);

    const verdict = verifyForm(form, signature, delivery.clock.now());
    if (verdict !== 'ok') {
      const result: DeliveryResult = { status: statusOf('bad-signature'), outcome: 'bad-signature', reason: `signature ${verdict}`, recipient: null, rule: null, targets: [], ids: [], policy: null, newSender: null };
      const durationMs = performance.now() - started;
      onDelivery?.(result, durationMs);
      request.log.warn({ outcome: result.outcome, verdict, ...claimedAddresses(form), ms: Math.round(durationMs) }, 'unverified post refused');
      return reply.code(result.status).send({ status: result.outcome, message: result.reason });
    }

    const message = readInbound(form);
    const result = await deliver(message, delivery, request.id);
    const durationMs = performance.now() - started;
    onDelivery?.(result, durationMs);
    logDelivery(request.log, deliveryLine(result, message, durationMs), result.status);
    return reply.code(result.status).send({ status: result.outcome, message: result.reason, id: result.ids[0] });
  };
  app.post('/mailgun/inbound', handler);
  app.post('/mailgun/inbound/mime', handler);
};
