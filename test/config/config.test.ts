import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, DEVELOPMENT_SIGNING_KEY } from '../../src/config.js';

test('defaults: outbox transport with the development key, documented defaults', () => {
  const config = loadConfig({});
  assert.equal(config.transport, 'outbox');
  assert.equal(config.developmentKey, true);
  assert.deepEqual(config.signingKeys, [DEVELOPMENT_SIGNING_KEY]);
  assert.equal(config.env.PORT, 8080);
  assert.equal(config.host, '127.0.0.1', 'no API key: a local outbox accepting the public development key listens on loopback only');
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
  for (const [name, value] of [['PORT', 'eighty'], ['PORT', '70000'], ['LOG_LEVEL', 'loud'], ['MAILGUN_API_URL', 'api.mailgun.net'], ['MAX_BODY_BYTES', '-1'], ['MAILGUN_MAX_SIGNATURE_AGE', '10'], ['ADMIN_TOKEN', 'too-short'], ['LOG_FORMAT', 'text'], ['ALIAS_API_TOKEN_MAX', 'too-short']] as const) {
    assert.throws(() => loadConfig({ [name]: value }), (err: unknown) => err instanceof ConfigError && err.message.includes(name), `${name}=${value}`);
  }
});

test('the public development key is accepted on loopback only: any other HOST without MAILGUN_WEBHOOK_SIGNING_KEY is refused, naming what to set', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(loadConfig({ HOST: host }).developmentKey, true, host);
  for (const host of ['0.0.0.0', '::', '192.0.2.1', 'relay.internal']) {
    assert.throws(() => loadConfig({ HOST: host }), (err: unknown) => err instanceof ConfigError && err.message.includes('set MAILGUN_WEBHOOK_SIGNING_KEY'), host);
  }
});

test('DNS_SERVERS: unset means the system resolvers; ip, ip:port and [ipv6]:port lists are taken, anything else refused', () => {
  assert.equal(loadConfig({}).dnsServers, null);
  assert.deepEqual(loadConfig({ DNS_SERVERS: '1.1.1.1, 9.9.9.9:53,2620:fe::fe, [2001:4860:4860::8888]:5353' }).dnsServers, ['1.1.1.1', '9.9.9.9:53', '2620:fe::fe', '[2001:4860:4860::8888]:5353']);
  for (const bad of ['dns.google', '1.1.1.1:0', '1.1.1.1:99999', '1.1.1.1,', '[1.1.1.1]:53', '256.1.1.1', 'https://1.1.1.1/dns-query']) {
    assert.throws(() => loadConfig({ DNS_SERVERS: bad }), (err: unknown) => err instanceof ConfigError && err.message.includes('DNS_SERVERS'), bad);
  }
});

test('HOST: unset means 127.0.0.1 without MAILGUN_API_KEY and 0.0.0.0 with it; set, it is used as given', () => {
  const deployed = { MAILGUN_API_KEY: 'key-1', MAILGUN_WEBHOOK_SIGNING_KEY: 'k' };
  assert.equal(loadConfig({}).host, '127.0.0.1');
  assert.equal(loadConfig({ HOST: ' ' }).host, '127.0.0.1', 'empty means unset');
  assert.equal(loadConfig(deployed).host, '0.0.0.0');
  assert.equal(loadConfig({ HOST: '0.0.0.0', MAILGUN_WEBHOOK_SIGNING_KEY: 'k' }).host, '0.0.0.0', 'an outbox with a key of its own may listen anywhere');
  assert.equal(loadConfig({ ...deployed, HOST: '::' }).host, '::');
  assert.equal(loadConfig({ ...deployed, HOST: '127.0.0.1' }).host, '127.0.0.1');
});
