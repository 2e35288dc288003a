import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';

/**
 * The shape of rules.yaml. The TypeScript types are derived from these schemas so they cannot drift.
 * Every object is closed (`additionalProperties: false`): a misspelt key is an error, not a silent no-op.
 */
const TemplateList = Type.Array(Type.String(), { minItems: 1 });

export const TargetSchema = Type.Union([Type.String(), TemplateList], {
  description: 'a target template or a list of them',
});

/**
 * The mapping form of a user. This is the place for per-user keys: a later sender policy
 * (e.g. `senders:`) is added here, and stays an unknown-key error until then.
 */
const UserObject = Type.Object({ to: TargetSchema }, { additionalProperties: false });

export const UserSchema = Type.Union([Type.String(), TemplateList, UserObject], {
  description: 'a target template, a list of them, or a mapping with "to"',
});

export const RuleSchema = Type.Object(
  {
    match: Type.String({ minLength: 1 }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    to: Type.Optional(TargetSchema),
    reject: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);

export const RulesFileSchema = Type.Object(
  {
    domains: Type.Array(Type.String(), { minItems: 1 }),
    users: Type.Optional(Type.Record(Type.String(), UserSchema)),
    rules: Type.Array(RuleSchema),
  },
  { additionalProperties: false },
);

export type UserEntry = Static<typeof UserSchema>;
export type RuleEntry = Static<typeof RuleSchema>;
export type RulesFile = Static<typeof RulesFileSchema>;

// allErrors: report every problem in one pass; verbose: errors carry their schema, for key lists and descriptions.
export const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });

/** A compiled type guard for one schema, for checking parts of a file that is invalid elsewhere. */
export function guard<T extends TSchema>(schema: T): (value: unknown) => value is Static<T> {
  const validate = ajv.compile<Static<T>>(schema);
  return (value: unknown): value is Static<T> => validate(value);
}

export const validateFile = ajv.compile<RulesFile>(RulesFileSchema);
export const isUserEntry = guard(UserSchema);
export const isRuleEntry = guard(RuleSchema);
