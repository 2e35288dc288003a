import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RawForm } from './form.js';
import { readMultipart, type MultipartLimits } from './multipart.js';
import { readInbound } from './message.js';
import { UnsupportedMediaType } from './errors.js';
import { deliver, type DeliveryDeps, type DeliveryResult } from '../deliver.js';

export interface InboundRoutesOptions {
  delivery: DeliveryDeps;
  limits: MultipartLimits;
  onDelivery?: ((result: DeliveryResult, durationMs: number) => void) | undefined;
}

function isRawForm(body: unknown): body is RawForm {
  return typeof body === 'object' && body !== null && (body as RawForm).fields instanceof Map;
}

/**
 * Mailgun's two forward() shapes. Parsed mode posts to /mailgun/inbound, raw mode to a URL
 * ending in `mime`; each accepts urlencoded or multipart, and a `body-mime` wins wherever it
 * arrives, because the original bytes are what keeps the sender's DKIM valid.
 */
export const inboundRoutes: FastifyPluginAsync<InboundRoutesOptions> = async (app, { delivery, limits, onDelivery }) => {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    let form: RawForm;
    if (request.isMultipart()) form = await readMultipart(request, limits);
    else if (isRawForm(request.body)) form = request.body;
    else throw new UnsupportedMediaType(String(request.headers['content-type'] ?? 'none'));

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
    if (result.status >= 500) request.log.error(line, 'delivery');
    else if (result.status === 401) request.log.warn(line, 'delivery');
    else request.log.info(line, 'delivery');
    return reply.code(result.status).send({ status: result.outcome, message: result.reason, id: result.ids[0] });
  };
  app.post('/mailgun/inbound', handler);
  app.post('/mailgun/inbound/mime', handler);
};
