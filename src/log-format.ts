import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';
import type { Env } from './env-schema.js';
import { eventSummary } from './events/log.js';
import { escapeControls, escapeFields } from './log-escape.js';

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/** LOG_FORMAT, or by default: a person at a terminal reads `pretty`; Fly and log shippers read JSON. */
export function logFormat(env: Pick<Env, 'LOG_FORMAT'>, stdoutIsTty: boolean): 'json' | 'pretty' {
  return env.LOG_FORMAT ?? (stdoutIsTty ? 'pretty' : 'json');
}

/**
 * JSON lines are gathered into writes of about 4 KB, and whatever is gathered is written at least every 100 ms:
 * one write per line (pino's default) was 6-9% of a small message's CPU (an fs.write through libuv's thread
 * pool for each delivery line; measured in docs/performance.md). Writes stay asynchronous, so a log
 * reader that stalls never stalls the relay; pino flushes what is gathered when the process exits (a clean stop,
 * process.exit, an uncaught exception). What a SIGKILL or a power cut can take is the last 100 ms of lines.
 */
const LOG_WRITE_BYTES = 4096;
const LOG_FLUSH_MS = 100;

/**
 * pino's options for the relay. JSON: pino's own lines on stdout, batched as above. Pretty: pino-pretty, loaded only
 * then, as the logger's stream (in-process and synchronous: a line logged just before process.exit is not lost, and
 * the delivery summary can be a function, which a worker-thread transport could not be given).
 */
export async function loggerOptions(env: Pick<Env, 'LOG_LEVEL' | 'LOG_FORMAT'>, stdoutIsTty: boolean): Promise<LoggerOptions> {
  const base = { level: env.LOG_LEVEL, redact: ['req.headers.authorization'] };
  if (logFormat(env, stdoutIsTty) === 'json') {
    return { ...base, stream: pino.destination({ dest: 1, sync: false, minLength: LOG_WRITE_BYTES, periodicFlush: LOG_FLUSH_MS }) };
  }
  const { default: pretty } = await import('pino-pretty');
  return {
    ...base,
    // The fields escaped as pino gathers them, the message as pino-pretty prints it (log-escape.ts).
    formatters: { log: (fields: Record<string, unknown>) => escapeFields(fields) },
    stream: pretty({
      sync: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,reqId',
      // Each entry is the one line messageFormat makes: pino-pretty's own object printing puts every field (and
      // every element of an array) on a line of its own.
      hideObject: true,
      messageFormat: (log, messageKey) => oneLine(log as Record<string, unknown>, messageKey),
    }),
  };
}

/** pino's own fields, which the pretty line shows as its time and level or leaves out. */
const POSITIONAL = new Set(['level', 'time', 'pid', 'hostname', 'reqId']);

/**
 * A delivery and an event as a sentence; any other entry as its message and its fields as compact JSON on the same
 * line. Only an error's stack goes on the lines after it: a bug is for reading in full.
 */
function oneLine(log: Record<string, unknown>, messageKey: string): string {
  // Escaped here as well as in the fields (log-escape.ts): a sentence is made of a sender's words.
  if (isDelivery(log)) return escapeControls(summary(log));
  if (log[messageKey] === 'event') return escapeControls(eventSummary(log));
  const { err, ...rest } = Object.fromEntries(Object.entries(log).filter(([key]) => key !== messageKey && !POSITIONAL.has(key)));
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const error = err as { message?: unknown; stack?: unknown } | undefined;
  // The stack's own line breaks are kept (a bug is read in full); anything else that breaks a line is escaped.
  const stack = typeof error?.stack === 'string' ? `\n    ${error.stack.split('\n').map(escapeControls).join('\n    ')}` : '';
  return `${escapeControls(`${String(log[messageKey] ?? '')}${fields}${error && !stack ? ` (${String(error.message)})` : ''}`)}${stack}`;
}

function isDelivery(log: object): log is Record<string, unknown> {
  return 'msg' in log && log.msg === 'delivery';
}

/** `forwarded github@example.com → you+github@gmail.com (rule 6, 4 ms)`; a refusal says why instead of where. */
function summary(log: Record<string, unknown>): string {
  const targets = Array.isArray(log.targets) ? log.targets.join(', ') : '';
  const details = [
    typeof log.rule === 'number' ? `rule ${log.rule}` : '',
    log.outcome === 'forwarded' ? '' : String(log.reason ?? ''),
    log.newSender ? `new sender domain ${String(log.newSender)}` : '',
    log.policy ? `policy ${String(log.policy)}` : '',
    `${String(log.ms)} ms`,
  ].filter(Boolean);
  return `${String(log.outcome)} ${String(log.recipient ?? '(no recipient)')}${targets ? ` → ${targets}` : ''} (${details.join(', ')})`;
}
