import createError from '@fastify/error';
import { statusOf } from '../retry-contract.js';
import type { Outbound, SendResult, Transport } from './types.js';

/** Every send slot stayed taken for as long as a send may take: Mailgun should retry us later. */
export const SendsSaturated = createError<[number]>('PLUS_RELAY_SENDS_SATURATED', 'all %d Mailgun API send slots are busy', statusOf('busy'));

export interface SendLimits {
  /** Sends in flight at once (MAX_CONCURRENT_SENDS). */
  concurrency: number;
  /** How long a send waits for a slot before giving up. */
  maxWaitMs: number;
  /** Sends allowed to wait; beyond this they are refused at once, so waiting bodies stay bounded too. */
  maxQueue: number;
}

/**
 * Bounds what a slow or hung Mailgun API can cost: at most `concurrency` requests (and sockets)
 * to it, at most `maxQueue` sends waiting for one. mailgun.js uses axios on Node's default agent,
 * which has no socket limit of its own.
 */
export function limitSends(transport: Transport, limits: SendLimits): Transport {
  let active = 0;
  const waiting: Array<() => void> = [];

  function acquire(): Promise<void> {
    if (active < limits.concurrency) {
      active += 1;
      return Promise.resolve();
    }
    if (waiting.length >= limits.maxQueue) return Promise.reject(new SendsSaturated(limits.concurrency));
    return new Promise((resolve, reject) => {
      const take = (): void => {
        clearTimeout(timer);
        active += 1;
        resolve();
      };
      const timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(take), 1);
        reject(new SendsSaturated(limits.concurrency));
      }, limits.maxWaitMs);
      timer.unref();
      waiting.push(take);
    });
  }
  function release(): void {
    active -= 1;
    waiting.shift()?.();
  }

  return {
    name: transport.name,
    async send(message: Outbound): Promise<SendResult> {
      await acquire();
      try {
        return await transport.send(message);
      } finally {
        release();
      }
    },
  };
}
