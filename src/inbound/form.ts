/**
 * A form as it arrived, before any interpretation: every value kept as bytes, because
 * Mailgun's `body-mime` need not be valid UTF-8 and decoding it would break the sender's DKIM.
 */
export interface FilePart {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface RawForm {
  fields: Map<string, Buffer[]>;
  files: FilePart[];
}

export function emptyForm(): RawForm {
  return { fields: new Map(), files: [] };
}

export function addField(form: RawForm, name: string, value: Buffer): void {
  const list = form.fields.get(name);
  if (list) list.push(value);
  else form.fields.set(name, [value]);
}

/** First value of a field as UTF-8 text (Mailgun transcodes text fields to UTF-8). */
export function textField(form: RawForm, name: string): string | null {
  const value = form.fields.get(name)?.[0];
  return value === undefined ? null : value.toString('utf8');
}
