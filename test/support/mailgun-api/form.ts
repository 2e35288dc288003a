// Reads a request body the way Mailgun's API does: every field kept (repeats in order), file parts byte-exact.
// mailgun.js always sends multipart; urlencoded is accepted too so hand-written requests (curl, fetch) work.
// Limits are raised far above busboy's defaults on purpose: its 1 MiB field limit would silently truncate large
// `text`/`html` values, and the stand-in would then prove nothing about them.
import type { FastifyRequest } from 'fastify';

export interface ApiFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ApiForm {
  /** Every text field, values in arrival order (`to` repeats, `action` repeats). */
  fields: Record<string, string[]>;
  files: ApiFile[];
}

const MiB = 1024 * 1024;
export const BODY_LIMIT = 128 * MiB;
export const FORM_LIMITS = {
  fieldNameSize: 1024,
  fieldSize: 64 * MiB,
  fields: 10_000,
  fileSize: 64 * MiB,
  files: 1_000,
  parts: 11_000,
  headerPairs: 2_000,
} as const;

export async function readForm(req: FastifyRequest): Promise<ApiForm> {
  const form: ApiForm = { fields: Object.create(null) as Record<string, string[]>, files: [] };
  if (typeof req.body === 'string') {
    for (const [name, value] of new URLSearchParams(req.body)) addField(form, name, value);
    return form;
  }
  if (!req.isMultipart()) return form;
  for await (const part of req.parts({ limits: FORM_LIMITS })) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      form.files.push({ field: part.fieldname, filename: part.filename, contentType: part.mimetype, data });
      continue;
    }
    if (part.valueTruncated) throw new Error(`field ${part.fieldname} was truncated by the multipart limits`);
    addField(form, part.fieldname, String(part.value));
  }
  return form;
}

function addField(form: ApiForm, name: string, value: string): void {
  (form.fields[name] ??= []).push(value);
}

/** First value of a field, or undefined. */
export function first(form: ApiForm, name: string): string | undefined {
  return form.fields[name]?.[0];
}
