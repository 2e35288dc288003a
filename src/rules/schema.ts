import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';

/**
 * The shape of rules.yaml. The TypeScript types are derived from these schemas so they cannot drift.
 * Every object is closed (`additionalProperties: false`): a misspelt key is an error, not a silent no-op.
 */
const TemplateList = Type.Array(Type.String(), { minItems: 1 });

const TargetSchema = Type.Union([Type.String(), TemplateList], {
  description: 'a target template or a list of them',
});

/**
 * Lets a template's placeholders choose the mailbox, not only its `+` subaddress (template.ts says why that is
 * refused by default). For the rare domain migration, `{local}@new.example`.
 */
const AnyMailbox = Type.Optional(Type.Boolean());

/**
 * The mapping form of a user. This is the place for per-user keys: a later sender policy
 * (e.g. `senders:`) is added here, and stays an unknown-key error until then.
 */
const UserObject = Type.Object({ to: TargetSchema, any_mailbox: AnyMailbox }, { additionalProperties: false });

const UserSchema = Type.Union([Type.String(), TemplateList, UserObject], {
  description: 'a target template, a list of them, or a mapping with "to"',
});

const RuleSchema = Type.Object(
  {
    match: Type.String({ minLength: 1 }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    to: Type.Optional(TargetSchema),
    reject: Type.Optional(Type.Literal(true)),
    any_mailbox: AnyMailbox,
  },
  { additionalProperties: false },
);

const RulesFileSchema = Type.Object(
  {
    domains: Type.Array(Type.String(), { minItems: 1 }),
    users: Type.Optional(Type.Record(Type.String(), UserSchema)),
    rules: Type.Array(RuleSchema),
  },
  { additionalProperties: false },
);

/** The validated file. Later code (e.g. per-user sender policies) reads this type rather than redeclaring it. */
export type RulesFile = Static<typeof RulesFileSchema>;

// allErrors: report every problem in one pass; verbose: errors carry their schema, for key lists and descriptions.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });

export const validateFile = ajv.compile<RulesFile>(RulesFileSchema);
