import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { MultipartLimits } from './multipart.js';
import type { BodyBudget } from './budget.js';
import type { SignaturePolicy } from './signature.js';
import { formKind, readForm } from './read-form.js';
import { claimedAddresses, verifyForm } from './signed.js';
import { readInbound } from './message.js';
import { UnsupportedMediaType } from './errors.js';
import { deliver, type DeliveryDeps, type DeliveryResult } from '../deliver.js';
import { statusOf } from '../retry-contract.js';

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
    const line = {
      recipient: result.recipient,
      // Who mailed this address: with `recipient`, the per-address view ("which service leaked it").
      sender: message.sender,
      from: message.from,
      targets: result.targets,
      rule: result.rule,
      outcome: result.outcome,
      status: result.status,
      reason: result.reason,
      mailgunIds: result.ids,
      // Raw mode: { action: keep | rewrite, reason, domain, policy } — a rewritten From, or a DNS failure, shows here.
      dmarc: result.dmarc,
      ms: Math.round(durationMs),
      // The leak signal: a sender domain this alias had not heard from after its learning period.
      ...(result.newSender ? { newSender: result.newSender } : {}),
      ...(result.policy?.reason ? { policy: `${result.policy.outcome}:${result.policy.reason}` } : {}),
    };
    // A message the flood guard holds back is the guard at work, not a fault: it warns once a minute (app.ts).
    if (result.status >= 500 && result.outcome !== 'over-limit') request.log.error(line, 'delivery');
    else request.log.info(line, 'delivery');
    return reply.code(result.status).send({ status: result.outcome, message: result.reason, id: result.ids[0] });
  };
  app.post('/mailgun/inbound', handler);
  app.post('/mailgun/inbound/mime', handler);
};
