import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, DEVELOPMENT_SIGNING_KEY } from '../../src/config.js';

test('defaults: outbox transport with the development key, documented defaults', () => {
  const config = loadConfig({});
  assert.equal(config.transport, 'outbox');
  assert.equal(config.developmentKey, true);
  assert.deepEqual(config.signingKeys, [DEVELOPMENT_SIGNING_KEY]);
  assert.equal(config.env.PORT, 8080);
  assert.equal(config.env.HOST, '0.0.0.0');
  assert.equal(config.env.RULES_FILE, './rules.yaml');
  assert.equal(config.env.MAILGUN_API_URL, 'https://api.mailgun.net');
  assert.equal(config.env.MAILGUN_MAX_SIGNATURE_AGE, 9 * 3600);
  assert.equal(config.env.MAX_BODY_BYTES, 64 * 1024 * 1024);
  assert.equal(config.env.OUTBOX_DIR, './outbox');
});

test('an API key without a signing key refuses to start, naming the variable; empty means unset', () => {
  assert.throws(() => loadConfig({ MAILGUN_API_KEY: 'key-1' }), (err: unknown) => err instanceof ConfigError && /MAILGUN_WEBHOOK_SIGNING_KEY/.test(err.message));
  assert.throws(() => loadConfig({ MAILGUN_API_KEY: 'key-1', MAILGUN_WEBHOOK_SIGNING_KEY: '  ' }), ConfigError);
  assert.equal(loadConfig({ MAILGUN_API_KEY: '' }).transport, 'outbox');
});

test('mailgun transport with rotated signing keys, numbers coerced from strings', () => {
  const config = loadConfig({ MAILGUN_API_KEY: 'key-1', MAILGUN_WEBHOOK_SIGNING_KEY: 'new, old', PORT: '9000', MAX_BODY_BYTES: '1048576' });
  assert.equal(config.transport, 'mailgun');
  assert.deepEqual(config.signingKeys, ['new', 'old']);
  assert.equal(config.developmentKey, false);
  assert.equal(config.env.PORT, 9000);
  assert.equal(config.env.MAX_BODY_BYTES, 1048576);
});

test('invalid values are refused with the variable named', () => {
  for (const [name, value] of [['PORT', 'eighty'], ['PORT', '70000'], ['LOG_LEVEL', 'loud'], ['MAILGUN_API_URL', 'api.mailgun.net'], ['MAX_BODY_BYTES', '-1'], ['MAILGUN_MAX_SIGNATURE_AGE', '10'], ['ADMIN_TOKEN', 'too-short']] as const) {
    assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.includes(name), `${name}=${value}`);
  }
});
