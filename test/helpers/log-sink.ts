import { Writable } from 'node:stream';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino destination that keeps every line, for "was this logged, at which level, and never that" checks. */
export function logSink() {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: { level: 'info', stream },
    lines: (): LogLine[] => text.map((l) => JSON.parse(l) as LogLine),
    text: () => text.join('\n'),
  };
}

export const LEVEL = { info: 30, warn: 40, error: 50 } as const;
