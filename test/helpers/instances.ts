// Two relay instances sharing one Redis (one namespace) and one Mailgun API stand-in: they must behave as one.
import type { TestContext } from 'node:test';
import { randomUUID } from 'node:crypto';
import { build, API_KEY, type Built, type BuildOptions } from './build.js';
import { redisStore, untilHealthy } from './redis.js';
import { createMailgunTransport } from '../../src/forward/mailgun.js';
import { startMailgunApi, type MailgunApi } from '../support/mailgun-api.js';

export async function twoInstances(t: TestContext, url: string, options: Pick<BuildOptions, 'rules' | 'clock' | 'env' | 'app' | 'dns'> = {}): Promise<{ a: Built; b: Built; api: MailgunApi }> {
  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const namespace = `plus-relay-test-${randomUUID()}`;
  const instance = async (): Promise<Built> => {
    const store = redisStore(t, url, namespace);
    await untilHealthy(store);
    return build(t, {
      ...options,
      store,
      env: { MAILGUN_TIMEOUT_MS: '1000', ...options.env },
      transport: (_own, config) => createMailgunTransport({ apiKey: API_KEY, url: api.url, domain: 'destroy.systems', timeoutMs: config.env.MAILGUN_TIMEOUT_MS }),
    });
  };
  return { a: await instance(), b: await instance(), api };
}
