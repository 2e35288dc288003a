import createError from '@fastify/error';
import { statusOf } from '../retry-contract.js';

/**
 * Every error the inbound side can raise, declared once with a code and a status.
 * 406 is Mailgun's "refused for good": used only for input that can never succeed.
 */
export const PayloadTooLarge = createError<[number]>('PLUS_RELAY_PAYLOAD_TOO_LARGE', 'message body over MAX_BODY_BYTES (%d bytes)', statusOf('bad-input'));
export const TooManyParts = createError<[string]>('PLUS_RELAY_TOO_MANY_PARTS', 'too many form %s', statusOf('bad-input'));
export const MalformedPayload = createError<[string]>('PLUS_RELAY_MALFORMED_PAYLOAD', 'malformed payload: %s', statusOf('bad-input'));
export const UnsupportedMediaType = createError<[string]>('PLUS_RELAY_UNSUPPORTED_MEDIA_TYPE', 'unsupported content type: %s', statusOf('bad-input'));
