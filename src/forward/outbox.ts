import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Outbound, SendResult, Transport } from './types.js';
import type { Clock } from '../clock.js';

/**
 * The transport for trying the relay with nothing else: each forward becomes `<id>.json` (its
 * target and fields) in a folder, plus `<id>.eml` (raw mode: the exact bytes Mailgun would send)
 * or the attachments as `<id>.<n>.<name>` (parsed mode).
 */
export function createOutboxTransport(dir: string, clock: Clock): Transport {
  const root = resolve(dir);
  return {
    name: 'outbox',
    async send(message: Outbound): Promise<SendResult> {
      await mkdir(root, { recursive: true });
      const id = `${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
      const record: Record<string, unknown> = { id, to: [message.to], kind: message.kind, alias: message.alias, createdAt: new Date(clock.now()).toISOString() };
      if (message.kind === 'mime') {
        await writeFile(join(root, `${id}.eml`), message.mime);
        record.message = `${id}.eml`;
        record.bytes = message.mime.length;
      } else {
        const { attachments, inline, to: _to, kind: _kind, ...fields } = message;
        Object.assign(record, fields);
        const saved = [];
        for (const [n, part] of [...attachments, ...inline].entries()) {
          const file = `${id}.${n + 1}.${part.filename.replace(/[^\w.-]+/g, '_')}`;
          await writeFile(join(root, file), part.data);
          saved.push({ file, filename: part.filename, contentType: part.contentType, contentId: part.contentId, bytes: part.data.length });
        }
        record.attachments = saved;
      }
      await writeFile(join(root, `${id}.json`), JSON.stringify(record, null, 2) + '\n');
      return { id: `<${id}@outbox>` };
    },
  };
}
