import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * What each admin request may carry, checked by Fastify before a handler runs: a field repeated (`?q=a&q=b`), an
 * array, an object where one string goes is a 400, never a handler's TypeError and a 500. Lengths and ranges are
 * the handlers' to check (with messages that say what is allowed); fields no route reads are dropped unread.
 */
// No `type: object`: a request without a body (the CLI's block) has nothing to check, and a JSON body that is no
// object (`[]`, `1`) carries no field, which the handlers read as absent.
export const fields = (names: readonly string[]): TSchema => Type.Unsafe({ properties: Object.fromEntries(names.map((name) => [name, Type.String()])) });

/** The page's form token, carried by every change a browser makes. */
const FORM = ['csrf'] as const;

export const ADMIN_SCHEMAS = {
  // `done` and `address` only ask for a notice, which anything but one action and one alias leaves out (notice.ts).
  page: { querystring: fields(['q', 'leaks', 'page']) },
  listing: { querystring: fields(['address', 'limit']) },
  addFromBody: { body: fields([...FORM, 'address', 'description']) },
  onAddress: { params: Type.Object({ address: Type.String() }), body: fields([...FORM, 'description']) },
  resend: { params: Type.Object({ id: Type.String() }), body: fields(FORM) },
  form: { body: fields(FORM) },
} satisfies Record<string, { querystring?: TSchema; params?: TSchema; body?: TSchema }>;

/**
 * A urlencoded form as a plain object: one field a string, a repeated one an array of them (which the schemas
 * refuse). No prototype, so a field named `__proto__` is a field like any other.
 */
export function formFields(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

/**
 * The admin routes' compiler: Fastify's own coerces types, so a JSON `"description": 42` would pass as "42"; here a
 * field is what the request says it is (query and form values are strings anyway).
 */
export function strictCompiler(): FastifySchemaCompiler<TSchema> {
  const ajv = new Ajv({ coerceTypes: false, allErrors: false, strict: false });
  return ({ schema }) => ajv.compile(schema);
}
