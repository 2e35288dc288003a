import escapeHtml from 'escape-html';

/** Markup that is already safe: the result of `html`, never a value from outside. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

// Characters that change how text around them is shown without being seen: right-to-left and other direction
// overrides, zero-width spaces and joiners, the BOM, soft hyphens (Unicode's "format" class, Cf). In a description a
// stranger or a password manager wrote, `\u202Emoc.lapyap` would read as `paypal.com`.
const INVISIBLE = /\p{Cf}/gu;

/** Each invisible character as its code point, `⟨U+202E⟩`: what the text holds is what the page shows. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (c) => `⟨U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(visible(String(value)));
}

/**
 * The page's one way to build markup: a tagged template in which every interpolated value goes through
 * escape-html, unless it is itself `html` (nested parts) — so an address or a sender domain, which come
 * from strangers, can never become markup — and shows its invisible characters (`visible`). Attribute values must be quoted in the template.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
