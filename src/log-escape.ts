/**
 * Control characters shown, not obeyed. A log line is read on a terminal or by a line-oriented shipper: a CR or LF
 * inside a value (a recipient is whatever a sender put in RCPT TO) would start a forged line, and ESC a terminal
 * command. JSON lines escape C0 by construction; the pretty format prints values as they are, so they are escaped
 * here first: `\r`, `\n`, `\t`, and `\u001b` for the rest (C0, DEL, C1, and the Unicode line and paragraph separators).
 */
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const NAMED: Readonly<Record<string, string>> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };

export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Every string in a log line's fields (plain objects and arrays, any depth) escaped; anything else (an Error) as it is. */
export function escapeFields<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => escapeFields(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [escapeControls(key), escapeFields(item)])) as T;
  }
  return value;
}
