// Every admin and API route, asked with what a careless script or a hostile holder of a token sends: a field
// repeated, an array, an object, a huge, negative or fractional number, a megabyte-long value, a path parameter
// of odd bytes. Each answer is 4xx or a success, never a 5xx. The routes are read from the app itself
// (printRoutes), so a route added later is fuzzed too without this file knowing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { build } from '../helpers/build.js';
import { ADMIN_TOKEN, basic, bearer } from '../helpers/admin.js';
import { formToken } from '../../src/admin/auth.js';

const ALIAS_API_TOKEN = 'alias-api-token-0123456789';
const METRICS_TOKEN = 'metrics-token-0123456789';
const SIGNED = ['/mailgun/'];

/** Every (method, path) the app answers, from its own route tree; HEAD and OPTIONS stand for their GET. */
function routesOf(tree: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  for (const line of tree.split('\n')) {
    const m = /(\/\S*) \(([A-Z, ]+)\)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    for (const method of m[2].split(',').map((s) => s.trim())) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, path: m[1] });
  }
  return routes;
}

// The names every route reads, and a few no route reads; each is sent in every odd shape.
const NAMES = ['q', 'page', 'leaks', 'done', 'address', 'limit', 'description', 'domain', 'csrf', 'id', 'format', 'page[size]', 'page[number]', 'filter[search]', 'x'];
const HUGE = 'a'.repeat(10_000);
const SHAPES: Array<(name: string) => string> = [
  (n) => `${enc(n)}=a&${enc(n)}=b`,
  (n) => `${enc(n)}[]=a&${enc(n)}[]=b`,
  (n) => `${enc(n)}=-1`,
  (n) => `${enc(n)}=-99999999999999999999`,
  (n) => `${enc(n)}=99999999999999999999999`,
  (n) => `${enc(n)}=1.5`,
  (n) => `${enc(n)}=NaN`,
  (n) => `${enc(n)}=`,
  (n) => `${enc(n)}`,
  (n) => `${enc(n)}=${HUGE}`,
  (n) => `${enc(n)}=%00%0d%0a%1b%5b31m`,
  (n) => `${enc(n)}=%ff%fe`,
  (n) => `${enc(n)}[a][b]=c`,
  (n) => `${enc(n)}=__proto__`,
];
const enc = encodeURIComponent;
const JSON_VALUES: unknown[] = [['a', 'b'], { a: 1 }, -1, 1e300, -1e300, 1.5, null, true, HUGE, '\u0000\r\n\u001b[31m', []];
const PARAMS = ['x', '-1', '%00', '%ff', enc('a@b.c'.repeat(150)), '..', enc('a\r\nb'), '99999999999999999999', '__proto__'];

test('no admin or API route answers a 5xx to repeated, array, huge, negative or malformed fields', { timeout: 600_000 }, async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN, ALIAS_API_TOKEN, METRICS_TOKEN } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const routes = routesOf(app.printRoutes({ commonPrefix: false })).filter((r) => !SIGNED.some((p) => r.path.startsWith(p)));
  assert.ok(routes.some((r) => r.path.startsWith('/admin')) && routes.some((r) => r.path.startsWith('/api/')), `routes found: ${JSON.stringify(routes)}`);
  const csrf = formToken(ADMIN_TOKEN);
  const authFor = (path: string): Array<Record<string, string>> =>
    path.startsWith('/api/') ? [bearer(ALIAS_API_TOKEN)] : path.startsWith('/metrics') ? [bearer(METRICS_TOKEN)] : [bearer(), basic()];

  const failures: string[] = [];
  const asks: Array<{ method: string; url: string; headers: Record<string, string>; body?: string }> = [];
  const ask = (method: string, url: string, headers: Record<string, string>, body?: string) => asks.push({ method, url, headers, ...(body === undefined ? {} : { body }) });

  const queries = NAMES.flatMap((name) => SHAPES.map((shape) => shape(name)));
  for (const route of routes) {
    const [bearerAuth, ...others] = authFor(route.path);
    if (!bearerAuth) continue;
    // Odd path parameters, each once; then every odd field on one ordinary path.
    if (route.path.includes(':')) for (const p of PARAMS) ask(route.method, route.path.replace(/:[^/]+/g, p), bearerAuth);
    const path = route.path.replace(/:[^/]+/g, 'x');
    for (const query of queries) ask(route.method, `${path}?${query}`, bearerAuth);
    if (route.method === 'GET') continue;
    // A browser's form (Basic credentials, the form token) and the CLI's (Bearer) take different checks first.
    for (const auth of [bearerAuth, ...others]) {
      for (const query of queries) ask(route.method, path, { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, `csrf=${enc(csrf)}&${query}`);
    }
    for (const name of NAMES) {
      for (const value of JSON_VALUES) ask(route.method, path, { ...bearerAuth, 'content-type': 'application/json' }, JSON.stringify({ csrf, [name]: value }));
    }
    for (const raw of ['[]', 'null', '1', '"x"', '{"a":', '{"__proto__":{"x":1}}', `[${'['.repeat(500)}${']'.repeat(500)}]`]) {
      ask(route.method, path, { ...bearerAuth, 'content-type': 'application/json' }, raw);
    }
  }
  // A few at a time, as a script would: the relay's answers, not the test's patience, decide the run time.
  const next = asks.entries();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (const [, { method, url, headers, body }] of next) {
        const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers, ...(body === undefined ? {} : { body }) });
        await res.arrayBuffer();
        if (res.status >= 500) failures.push(`${method} ${url.slice(0, 120)} ${body?.slice(0, 120) ?? ''} → ${res.status}`);
      }
    }),
  );
  t.diagnostic(`${asks.length} requests over ${routes.length} routes`);
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} answers were 5xx`);
});
