import { Type, type Static } from '@sinclair/typebox';

/**
 * The shape of rules.yaml. The TypeScript types are derived from these schemas so they cannot drift.
 * Every object is closed (`additionalProperties: false`): a misspelt key is an error, not a silent no-op.
 * The validator is compiled from them ahead of time (`npm run validators`, into src/generated/), as the
 * environment's is: the relay starts without loading TypeBox or Ajv's compiler.
 */
const TemplateList = Type.Array(Type.String(), { minItems: 1 });

const TargetSchema = Type.Union([Type.String(), TemplateList], {
  description: 'a target template or a list of them',
});

/** A policy's `then:`. */
const PolicyOutcomeSchema = Type.Union(
  [Type.Literal('forward'), Type.Literal('reject'), Type.Object({ to: TargetSchema }, { additionalProperties: false })],
  { description: 'forward, reject or {to: "<template>"}' },
);

/**
 * Lets a template's placeholders choose the mailbox, not only its `+` subaddress (template.ts says why that is
 * refused by default). For the rare domain migration, `{local}@new.example`.
 */
const AnyMailbox = Type.Optional(Type.Boolean());

/**
 * The four policy keys, allowed at the top level (defaults for every alias), in a user's mapping form and on
 * a rule; the innermost wins, key by key (rules/policy.ts). Durations and sender entries are checked when
 * compiled, with their positions.
 */
const PolicyKeys = {
  spam: Type.Optional(Type.Object({ score_above: Type.Optional(Type.Number()), then: PolicyOutcomeSchema }, { additionalProperties: false })),
  leaks: Type.Optional(Type.Object({ learn: Type.Optional(Type.String()), then: Type.Optional(PolicyOutcomeSchema) }, { additionalProperties: false })),
  senders: Type.Optional(
    Type.Object(
      { allow: Type.Optional(Type.Array(Type.String(), { minItems: 1 })), block: Type.Optional(Type.Array(Type.String())) },
      { additionalProperties: false },
    ),
  ),
  new_aliases: Type.Optional(Type.Union([Type.Literal('accept'), Type.Literal('reject')], { description: 'accept or reject' })),
};

/**
 * The flood guard (resolved-limits.ts), at the top level and in a user's mapping form. Whole numbers of at least 1,
 * never defaulted from a bad value: a 0 would hold every message to the mailbox until Mailgun gives up on it
 * (lost mail), and a typo must not silently lift the guard that keeps the mailbox from being locked.
 */
const Count = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const LimitsSchema = Type.Optional(
  Type.Object(
    {
      per_target: Type.Optional(Type.Object({ per_minute: Type.Optional(Count), per_hour: Type.Optional(Count) }, { additionalProperties: false })),
      new_aliases_per_hour: Type.Optional(Count),
    },
    { additionalProperties: false },
  ),
);

/**
 * Replies as the alias (forward/reply-to.ts, replies/): a forward carries a reply address as Reply-To, and the owner's
 * reply through it leaves from the alias. At the top level and in a user's mapping form (the user's wins); off unless set.
 */
const Replies = Type.Optional(Type.Boolean());

/** The mapping form of a user: its targets, its own policies and limits. */
const UserObject = Type.Object({ to: TargetSchema, any_mailbox: AnyMailbox, ...PolicyKeys, limits: LimitsSchema, replies: Replies }, { additionalProperties: false });

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
    ...PolicyKeys,
  },
  { additionalProperties: false },
);

/**
 * The daily digest (digest/): when, in whose time. Off unless set. The timezone's name is checked against what
 * Intl accepts when compiled (rules/digest.ts), with its position.
 */
const DigestSchema = Type.Object(
  {
    at: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'a time of day as HH:MM, 00:00 to 23:59' }),
    timezone: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const RulesFileSchema = Type.Object(
  {
    domains: Type.Array(Type.String(), { minItems: 1 }),
    users: Type.Optional(Type.Record(Type.String(), UserSchema)),
    rules: Type.Array(RuleSchema),
    digest: Type.Optional(DigestSchema),
    ...PolicyKeys,
    limits: LimitsSchema,
    replies: Replies,
  },
  { additionalProperties: false },
);

/** The validated file. Later code reads this type rather than redeclaring it. */
export type RulesFile = Static<typeof RulesFileSchema>;
