import createError from '@fastify/error';
import { statusOf } from '../retry-contract.js';

/**
 * Every error the inbound side can raise, declared once with a code and a status.
 * 406 is Mailgun's "refused for good": used only for input that can never succeed.
 */
export const PayloadTooLarge = createError<[number]>('PLUS_RELAY_PAYLOAD_TOO_LARGE', 'message body over MAX_BODY_BYTES (%d bytes)', statusOf('bad-input'));
export const TooManyParts = createError<[string]>('PLUS_RELAY_TOO_MANY_PARTS', 'too many form %s', statusOf('bad-input'));
export const MalformedPayload = createError<[string]>('PLUS_RELAY_MALFORMED_PAYLOAD', 'malformed payload: %s', statusOf('bad-input'));
export const FieldTooLarge = createError<[string, number]>('PLUS_RELAY_FIELD_TOO_LARGE', 'form field %s over its cap of %d bytes', statusOf('bad-input'));
// Refused, not read as a cut: a From or loop mark past the cut would go unseen (see MAX_HEADER_BYTES).
export const HeaderTooLarge = createError<[number]>('PLUS_RELAY_HEADER_TOO_LARGE', 'raw message header section over %d bytes', statusOf('bad-input'));
// Mailgun never posts anything else; a client that does is told so before its body is read.
export const UnsupportedMediaType = createError<[string]>(
  'PLUS_RELAY_UNSUPPORTED_MEDIA_TYPE',
  'unsupported content type: %s (send application/x-www-form-urlencoded or multipart/form-data)',
  statusOf('unsupported-type'),
);
// Transient by design: Mailgun retries, and by then the bodies holding the budget are gone.
export const InflightFull = createError<[number]>('PLUS_RELAY_INFLIGHT_FULL', 'request bodies in flight would exceed MAX_INFLIGHT_BYTES (%d bytes); retry later', statusOf('over-capacity'));
// The client hung up (or was timed out) before its body arrived: nobody is left to read the answer.
export const RequestAborted = createError('PLUS_RELAY_REQUEST_ABORTED', 'the request ended before its body did', statusOf('bad-input'));

/** One of the relay's declared errors (code PLUS_RELAY_…), as opposed to whatever a library or the runtime threw. */
export function isRelayError(err: unknown): err is Error & { code: string; statusCode: number } {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('PLUS_RELAY_');
}
