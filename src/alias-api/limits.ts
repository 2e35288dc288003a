/**
 * What one alias-API token can make, apart from the operator's room: `block` and `alias add` never compete with it.
 * A person makes an alias when signing up somewhere: a few a day. The rates stop a leaked token from making
 * thousands in seconds; the cap bounds what it can ever store (aliases × 800 bytes of description at most).
 * Each refusal is a 429 with Retry-After, as addy.io answers.
 */
export const ALIAS_API_LIMITS = {
  maxAliasesPerUser: 1_000,
  perMinute: 10,
  perDay: 100,
} as const;

export type AliasApiLimits = { readonly [K in keyof typeof ALIAS_API_LIMITS]: number };

/** addy.io's page sizes: `page[size]` from 1 to 100, 100 when absent. */
export const PAGE_SIZE = { default: 100, max: 100 } as const;
