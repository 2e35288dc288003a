import { isHostname, parseTarget } from './address.js';
import type { Parsed } from './pattern.js';

/**
 * A target template such as `you+{service}@gmail.com`. The domain must be literal: whatever the sender
 * puts in the recipient can then only change the local part, never where the mail goes — and the mail-loop
 * check against the relay's own domains can be done once, at load time.
 *
 * The mailbox must be literal too: the local part starts with literal text and placeholders may only follow a
 * `+`, so a sender can choose the subaddress of your mailbox but never another mailbox. `{service}@gmail.com`
 * would forward `ceo.victim@your.domain` to `ceo.victim@gmail.com`: an open relay to every Gmail user, on your
 * domain's and your Mailgun account's reputation. Only an explicit `any_mailbox: true` lifts this.
 */
export type Part = { kind: 'literal'; text: string } | { kind: 'placeholder'; name: string };

export interface Template {
  source: string;
  local: readonly Part[];
  /** Lower-cased literal domain. */
  domain: string;
}

/** Built-in placeholders, available in every template. Rule templates may also use their pattern's captures. */
export const BUILTIN_PLACEHOLDERS = ['service', 'user', 'local', 'domain'] as const;

// Kept narrower than dot-atom on purpose: nothing that some MTA reads as routing (`%`, `!`) or quoting.
const LITERAL_CHAR = /^[a-z0-9._+=-]$/;

export interface TemplateOptions {
  /** Placeholders may choose the mailbox (`{local}@new.example`): only from an explicit `any_mailbox: true`. */
  anyMailbox?: boolean;
}

export function parseTemplate(source: string, allowed: ReadonlySet<string>, options: TemplateOptions = {}): Parsed<Template> {
  const fail = (message: string, index: number): Parsed<Template> => ({ ok: false, message, index });
  const at = source.lastIndexOf('@');
  if (at < 0 || source.indexOf('@') !== at) return fail(`target "${source}" must contain exactly one "@"`, Math.max(at, 0));
  const domain = source.slice(at + 1).toLowerCase();
  if (/[{}]/.test(domain)) return fail(`the domain of target "${source}" must be literal (no placeholders)`, at + 1);
  if (!isHostname(domain)) return fail(`"${domain}" is not a valid domain name`, at + 1);
  if (at === 0) return fail(`target "${source}" has an empty local part`, 0);
  const local: Part[] = [];
  for (let i = 0; i < at; i++) {
    const ch = source[i] ?? '';
    if (ch === '{') {
      const end = source.indexOf('}', i);
      if (end < 0 || end > at) return fail(`unclosed "{" in target "${source}"`, i);
      const name = source.slice(i + 1, end);
      if (!allowed.has(name)) return fail(`unknown placeholder "{${name}}" (available here: ${[...allowed].map((n) => `{${n}}`).join(', ')})`, i);
      local.push({ kind: 'placeholder', name });
      i = end;
    } else if (ch === '}') {
      return fail(`unbalanced "}" in target "${source}"`, i);
    } else if (LITERAL_CHAR.test(ch.toLowerCase())) {
      const last = local[local.length - 1];
      if (last?.kind === 'literal') last.text += ch.toLowerCase();
      else local.push({ kind: 'literal', text: ch.toLowerCase() });
    } else {
      return fail(`character ${JSON.stringify(ch)} is not allowed in a target (use letters, digits, ".", "_", "+", "-", "=")`, i);
    }
  }
  if (!options.anyMailbox) {
    const problem = mailboxProblem(local);
    if (problem) {
      return fail(
        `target "${source}" ${problem}: the recipient would choose the mailbox, and anyone could send through your domain to any mailbox at ${domain}. ` +
          `Write your mailbox first and placeholders only after a "+" (e.g. "you+{service}@${domain}"), or set any_mailbox: true (on the rule, or in the user's mapping next to to) if every mailbox there is meant`,
        source.indexOf('{'),
      );
    }
  }
  const template: Template = { source, local, domain };
  // A template whose literal text alone breaks address syntax (`a..b@`, a 70-character local part)
  // would fail on every message; find out now by rendering it with a plain sample value.
  const sample = Object.fromEntries([...allowed].map((name) => [name, 'x']));
  if (parseTarget(renderTemplate(template, sample)) === null) return fail(`target "${source}" does not render a valid address`, 0);
  return { ok: true, value: template };
}

/** Why the mailbox (the local part before the first `+`) is not fixed, or null when it is. */
function mailboxProblem(local: readonly Part[]): string | null {
  const [first] = local;
  if (!local.some((p) => p.kind === 'placeholder')) return null;
  if (first?.kind !== 'literal' || first.text.startsWith('+')) return 'does not start with your mailbox';
  // Literal runs are merged, so `first` holds everything before the first placeholder.
  if (!first.text.includes('+')) return 'has a placeholder before any "+"';
  return null;
}

/**
 * Renders the template. A literal `+` followed only by placeholders that render empty is dropped,
 * so `partner+{service}@…` without a service becomes `partner@…` rather than `partner+@…`.
 * The caller must still check the result with `parseTarget`: values come from the sender.
 */
export function renderTemplate(template: Template, values: Readonly<Record<string, string>>): string {
  const rendered = template.local.map((p) => (p.kind === 'literal' ? p.text : values[p.name] ?? ''));
  let out = '';
  template.local.forEach((part, i) => {
    let text = rendered[i] ?? '';
    if (part.kind === 'literal' && text.endsWith('+') && template.local[i + 1]?.kind === 'placeholder') {
      let j = i + 1;
      let empty = true;
      for (; template.local[j]?.kind === 'placeholder'; j++) empty &&= rendered[j] === '';
      if (empty) text = text.slice(0, -1);
    }
    out += text;
  });
  return `${out}@${template.domain}`;
}
