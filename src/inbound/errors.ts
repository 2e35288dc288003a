import createError from '@fastify/error';

/**
 * Every error the inbound side can raise, declared once with a code and a status.
 * 406 is Mailgun's "refused for good": used only for input that can never succeed.
 */
export const PayloadTooLarge = createError<[number]>('PLUS_RELAY_PAYLOAD_TOO_LARGE', 'message body over MAX_BODY_BYTES (%d bytes)', 406);
export const TooManyParts = createError<[string]>('PLUS_RELAY_TOO_MANY_PARTS', 'too many form %s', 406);
export const MalformedPayload = createError<[string]>('PLUS_RELAY_MALFORMED_PAYLOAD', 'malformed payload: %s', 406);
export const FieldTooLarge = createError<[string, number]>('PLUS_RELAY_FIELD_TOO_LARGE', 'form field %s over its cap of %d bytes', 406);
export const UnsupportedMediaType = createError<[string]>('PLUS_RELAY_UNSUPPORTED_MEDIA_TYPE', 'unsupported content type: %s', 406);
