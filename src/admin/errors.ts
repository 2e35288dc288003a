import createError from '@fastify/error';

/** Every error the admin API answers, declared once with its code and status. */
export const AdminUnauthorized = createError('PLUS_RELAY_ADMIN_UNAUTHORIZED', 'send Authorization: Bearer <ADMIN_TOKEN> (or HTTP Basic with it as the password)', 401);
export const AdminCrossSite = createError<[string]>('PLUS_RELAY_ADMIN_CROSS_SITE', '%s', 403);
export const AdminBadInput = createError<[string]>('PLUS_RELAY_ADMIN_BAD_INPUT', '%s', 400);
export const AdminInventoryFull = createError<[string]>('PLUS_RELAY_ADMIN_INVENTORY_FULL', '%s', 409);
export const AdminStoreUnavailable = createError<[string]>('PLUS_RELAY_ADMIN_STORE_UNAVAILABLE', 'the store cannot answer: %s', 503);
export const AdminDigestOff = createError('PLUS_RELAY_ADMIN_DIGEST_OFF', 'the daily digest is off: set digest: {at: "08:00", timezone: "Europe/Berlin"} in rules.yaml', 409);
export const AdminImportTooLarge = createError<[string]>('PLUS_RELAY_ADMIN_IMPORT_TOO_LARGE', '%s', 413);
