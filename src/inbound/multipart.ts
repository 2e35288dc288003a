import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { addField, emptyForm, type RawForm } from './form.js';
import { MalformedPayload, PayloadTooLarge, TooManyParts } from './errors.js';
import { safeFilename } from './filename.js';

export interface MultipartLimits {
  maxBytes: number;
  maxFields: number;
  maxFiles: number;
}

const LIMIT_CODES: Record<string, string> = {
  FST_PARTS_LIMIT: 'parts',
  FST_FILES_LIMIT: 'files',
  FST_FIELDS_LIMIT: 'fields',
};

function hasCode(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}

/**
 * Reads a multipart form into bytes. Text fields are decoded as latin1 by busboy and turned
 * back into the exact bytes here: Mailgun sends them without a charset, and `body-mime` may be
 * any bytes at all. busboy's default 1 MB `fieldSize` would truncate large bodies silently, so
 * every limit is set explicitly from MAX_BODY_BYTES.
 */
export async function readMultipart(request: FastifyRequest, limits: MultipartLimits): Promise<RawForm> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
  const form = emptyForm();
  let total = 0;
  const count = (bytes: number): void => {
    total += bytes;
    if (total > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
  };
  try {
    const parts = request.parts({
      defCharset: 'latin1',
      limits: {
        fieldNameSize: 256,
        fieldSize: limits.maxBytes,
        fileSize: limits.maxBytes,
        fields: limits.maxFields,
        files: limits.maxFiles,
        parts: limits.maxFields + limits.maxFiles,
        headerPairs: 200,
      },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        count(data.length);
        const filename = safeFilename(part.filename, `${part.fieldname}`);
        form.files.push({ field: part.fieldname, filename, contentType: part.mimetype, data });
      } else {
        if (part.valueTruncated) throw new PayloadTooLarge(limits.maxBytes);
        const value = Buffer.from(String(part.value ?? ''), 'latin1');
        count(value.length);
        addField(form, part.fieldname, value);
      }
    }
  } catch (err) {
    // Whatever busboy throws (truncated parts, bad boundaries: often without a code) is the
    // sender's malformed input, never a reason for Mailgun to retry.
    if (hasCode(err) && err.code.startsWith('PLUS_RELAY_')) throw err;
    if (hasCode(err) && err.code === 'FST_REQ_FILE_TOO_LARGE') throw new PayloadTooLarge(limits.maxBytes);
    const limit = hasCode(err) ? LIMIT_CODES[err.code] : undefined;
    if (limit) throw new TooManyParts(limit);
    throw new MalformedPayload(err instanceof Error ? err.message : String(err));
  }
  return form;
}
