// The deploy files checked without Docker: the Dockerfile's stages are replayed on the file system (COPY → cp,
// the build → tsc), the result is started with the image's CMD and probed with its HEALTHCHECK, and fly.toml is
// held to the same ports, health path and shutdown timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import module, { isBuiltin } from 'node:module';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { build } from '../helpers/build.js';
import { copyOf, envOf, execForm, parseDockerfile, type Instruction, type Stage } from '../helpers/dockerfile.js';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = resolve(import.meta.dirname, '../..');
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const final = stages.at(-1) as Stage;
const fly = parseToml(readFileSync(join(ROOT, 'fly.toml'), 'utf8')) as FlyToml;
const defaults = loadConfig({}).env;

interface FlyToml {
  kill_signal?: string;
  kill_timeout?: number | string;
  env?: Record<string, string>;
  mounts?: { source?: string; destination?: string; initial_size?: string };
  http_service?: {
    internal_port?: number;
    force_https?: boolean;
    auto_stop_machines?: string | boolean;
    min_machines_running?: number;
    checks?: Array<{ method?: string; path?: string }>;
  };
  metrics?: { port?: number; path?: string };
}

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const runs = (stage: Stage, command: RegExp) => all(stage, 'RUN').filter((i) => command.test(i.args));
const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);
const finalEnv = () => Object.assign({}, ...all(final, 'ENV').map((i) => envOf(i.args))) as Record<string, string>;
const seconds = (v: number | string | undefined) => (typeof v === 'number' ? v : Number(/^(\d+)s$/.exec(v ?? '')?.[1] ?? NaN));

test('one port everywhere: fly internal_port = fly [env] PORT = Dockerfile EXPOSE and ENV PORT = the config default', () => {
  const port = fly.http_service?.internal_port;
  assert.equal(port, defaults.PORT);
  assert.equal(Number(fly.env?.PORT), port, 'fly [env] PORT');
  assert.equal(Number(finalEnv().PORT), port, 'Dockerfile ENV PORT');
  assert.deepEqual(all(final, 'EXPOSE').map((i) => Number(i.args)), [port], 'Dockerfile EXPOSE');
  assert.equal(fly.metrics?.port, port, 'fly [metrics] scrapes the same port');
});

test('the health path of fly.toml and of the HEALTHCHECK answers 200 in the app; /metrics exists too', async (t) => {
  const checks = fly.http_service?.checks ?? [];
  assert.ok(checks.length > 0, 'fly.toml has [[http_service.checks]]');
  const healthcheck = last(final, 'HEALTHCHECK');
  assert.ok(healthcheck, 'the final stage has a HEALTHCHECK');
  const probe = /CMD\s+(\[.*\])$/.exec(healthcheck.args)?.[1];
  assert.equal(execForm(probe ?? '')?.[0], 'node', 'the HEALTHCHECK runs node (slim images have no curl)');
  const paths = [...checks.map((c) => c.path ?? ''), /\/healthz\b/.exec(healthcheck.args)?.[0] ?? '', fly.metrics?.path ?? ''];
  const { app } = await build(t);
  for (const [i, path] of paths.entries()) {
    const method = (checks[i]?.method ?? 'GET').toUpperCase();
    assert.equal(method, 'GET');
    const res = await app.inject({ method: 'GET', url: path });
    assert.equal(res.statusCode, 200, `GET ${path}`);
  }
});

/** The production dependencies that are native addons (node-gyp builds them at install time). */
/** Packages some installed package declares an optional peer dependency (peerDependenciesMeta: optional). */
function optionalPeers(): Set<string> {
  const modules = join(ROOT, 'node_modules');
  const names = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name]));
  const peers = new Set<string>();
  for (const name of names) {
    const file = join(modules, name, 'package.json');
    if (!existsSync(file)) continue;
    const meta = (JSON.parse(readFileSync(file, 'utf8')) as { peerDependenciesMeta?: Record<string, { optional?: boolean }> }).peerDependenciesMeta ?? {};
    for (const [peer, { optional }] of Object.entries(meta)) if (optional) peers.add(peer);
  }
  return peers;
}

const nativeDependencies = () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.keys(pkg.dependencies).filter((name) => existsSync(join(ROOT, 'node_modules', name, 'binding.gyp')));
};

test('native addons are compiled in a stage with a compiler, and the final stage takes them from there without dev dependencies', () => {
  const natives = nativeDependencies();
  assert.ok(natives.includes('better-sqlite3'), 'better-sqlite3 is a native production dependency');
  const copy = all(final, 'COPY').map((i) => copyOf(i.args)).find((c) => c.sources.some((s) => posix.basename(s) === 'node_modules'));
  assert.ok(copy?.from, 'the final stage copies node_modules from a build stage (it has no compiler to build addons itself)');
  assert.equal(runs(final, /\bnpm (ci|install|rebuild)\b/).length, 0, 'no install in the final stage: it would come without the compiled addons');
  const source = stages.find((st) => st.name === copy.from);
  assert.ok(source, `stage ${copy.from} exists`);

  const index = (i: Instruction | undefined) => (i ? source.instructions.indexOf(i) : -1);
  const install = runs(source, /\bnpm ci\b/)[0];
  assert.ok(install, `stage ${copy.from} runs npm ci`);
  const compilers = runs(source, /apt-get install\b/).find((i) => ['python3', 'make', 'g++'].every((tool) => i.args.split(/\s+/).includes(tool)));
  assert.ok(compilers && index(compilers) < index(install), 'python3, make and g++ are installed before npm ci (node:*-slim lacks them)');
  if (/--ignore-scripts/.test(install.args)) {
    // --ignore-scripts skips the addons' own install scripts too: each must be rebuilt by name.
    for (const name of natives) assert.ok(runs(source, new RegExp(`\\bnpm rebuild\\b[^&;]*\\b${name}\\b`)).length > 0, `npm rebuild ${name} after npm ci --ignore-scripts`);
  }
  const build = runs(source, /\bnpm run build\b/)[0];
  const prune = runs(source, /\bnpm (prune|ci)\b.*--omit=dev/).at(-1);
  assert.ok(prune, `stage ${copy.from} drops dev dependencies (npm prune --omit=dev) before node_modules is copied`);
  assert.ok(index(prune) > index(build), 'dev dependencies are dropped after the build that needs them');
  assert.match(prune.args, /--ignore-scripts/, 'no lifecycle scripts (prepare is a tsc build) while pruning');
});

test('the final stage: pinned Node LTS, production env, non-root user, node as the command', () => {
  assert.match(final.from, /^node:(22|24)(\.\d+)*-(bookworm-slim|slim|alpine)$/, 'a pinned current LTS major');
  assert.equal(finalEnv().NODE_ENV, 'production');
  const user = last(final, 'USER');
  assert.ok(user, 'USER is set');
  assert.ok(!['root', '0', '0:0', 'root:root'].includes(user.args), `runs as ${user.args}`);
  const cmd = execForm(last(final, 'CMD')?.args ?? '');
  assert.deepEqual(cmd?.slice(0, 1), ['node'], 'exec form starting node itself: signals reach the relay');
  assert.match(cmd?.at(-1) ?? '', /^dist\/.+\.js$/, 'the last argument is the built entry point');
  assert.ok((cmd ?? []).slice(1, -1).every((a) => a.startsWith('--')), 'only node flags between node and the entry point');
  assert.equal(all(final, 'ENTRYPOINT').length, 0, 'no ENTRYPOINT wraps the command');
});

// Compiled code runs at the next start as the relay's own: it is made when the image is built, by the relay started
// as CMD starts it, and copied with dist/, which stays root's; the relay's user can write only the outbox and DATA_DIR.
test('the compile cache is made in the build stage, after the build, with CMD’s flags and file; the final stage never hands dist/ to its user', () => {
  const buildStage = stages.find((s) => s !== final && s.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
  assert.ok(buildStage, 'a build stage');
  const runsThere = buildStage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const warm = runsThere.findIndex((r) => /\bnode scripts\/warm-compile-cache\.mjs\b/.test(r));
  assert.ok(warm > runsThere.findIndex((r) => /\bnpm run build\b/.test(r)), 'warmed after the build');
  const cmd = execForm(last(final, 'CMD')?.args ?? '') ?? [];
  assert.ok(runsThere[warm]?.endsWith(cmd.slice(1).join(' ')), `the warm-up runs ${cmd.slice(1).join(' ')}, as CMD does (V8 checks the flags)`);
  const user = last(final, 'USER')?.args.split(':')[0] ?? '';
  assert.equal(runs(final, new RegExp(`\\bchown\\b[^&;]*\\b(dist|/app)\\b`)).length, 0, `${user} never owns the code or its cache`);
  assert.ok(all(final, 'COPY').some((i) => /--from=\S+\s+\/app\/dist\s/.test(i.args)), 'the final stage copies dist/ (the cache with it) from the build');
});

test('HOST and DATA_DIR are set in the image; DATA_DIR is the fly volume, created and owned by the non-root user', () => {
  const env = finalEnv();
  assert.equal(env.HOST, '0.0.0.0', 'the image listens on every interface, with or without MAILGUN_API_KEY');
  assert.equal(fly.env?.HOST, env.HOST, 'fly.toml sets HOST too');
  const dataDir = env.DATA_DIR ?? '';
  assert.ok(dataDir.startsWith('/'), `ENV DATA_DIR is an absolute path, not ${JSON.stringify(env.DATA_DIR)}`);
  assert.equal(fly.mounts?.destination, dataDir, 'fly.toml mounts its volume at DATA_DIR');
  assert.equal(fly.mounts?.source, 'plus_relay_data');
  assert.match(fly.mounts?.initial_size ?? '', /^\d+gb$/, 'initial_size: Fly creates the volume on the first deploy');
  if (fly.env?.DATA_DIR !== undefined) assert.equal(fly.env.DATA_DIR, dataDir);
  const user = last(final, 'USER')?.args.split(':')[0] ?? '';
  const dir = dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const made = runs(final, new RegExp(`\\bmkdir\\b[^&;]*\\s${dir}(\\s|$)`));
  assert.ok(made.length > 0, `the final stage creates ${dataDir}`);
  assert.ok(runs(final, new RegExp(`\\bchown\\s+(-R\\s+)?${user}(:\\S+)?\\s[^&;]*${dir}(\\s|$)`)).length > 0, `${dataDir} is owned by ${user}, the user the relay runs as`);
});

test('fly.toml: SIGTERM, kill_timeout above SHUTDOWN_TIMEOUT_MS, https, a machine always running', () => {
  assert.equal(fly.kill_signal, 'SIGTERM');
  const kill = seconds(fly.kill_timeout);
  assert.ok(kill >= 10, `kill_timeout ${kill}s ≥ 10 s`);
  assert.ok(kill * 1000 >= defaults.SHUTDOWN_TIMEOUT_MS + 5000, `kill_timeout ${kill}s leaves 5 s beyond SHUTDOWN_TIMEOUT_MS ${defaults.SHUTDOWN_TIMEOUT_MS} ms`);
  assert.ok(kill <= 300, 'Fly caps kill_timeout at 5 minutes');
  assert.equal(fly.env?.NODE_ENV, 'production');
  assert.equal(fly.http_service?.force_https, true);
  assert.ok([false, 'off'].includes(fly.http_service?.auto_stop_machines ?? 'unset'), 'machines are never stopped');
  assert.ok((fly.http_service?.min_machines_running ?? 0) >= 1);
});

test('.dockerignore keeps secrets and local state out and lets every COPY source in', async () => {
  const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const must of ['.env', 'node_modules', 'dist', '.git']) assert.ok(ignored.includes(must), `.dockerignore lists ${must}`);
  for (const stage of stages) {
    for (const i of all(stage, 'COPY')) {
      const { from, sources } = copyOf(i.args);
      if (from !== null) continue;
      for (const source of sources) assert.ok(!ignored.some((p) => posix.normalize(source).replace(/\/$/, '') === p), `${source} is ignored`);
    }
  }
});

/**
 * Replays COPY, WORKDIR and `npm run build` of one stage into `dir` (standing for its WORKDIR); `npm ci` is replaced
 * by a link to this checkout's node_modules. Returns the stage's WORKDIR.
 */
async function replay(stage: Stage, dir: string, built: Map<string, { workdir: string; dir: string }>): Promise<string> {
  let workdir = '/';
  for (const i of stage.instructions) {
    if (i.keyword === 'WORKDIR') workdir = posix.resolve(workdir, i.args);
    if (i.keyword === 'COPY') {
      const { from, sources, dest } = copyOf(i.args);
      for (const source of sources) {
        let origin = join(ROOT, source);
        if (from !== null) {
          const other = built.get(from);
          assert.ok(other, `COPY --from=${from}: no such stage before this one`);
          origin = join(other.dir, posix.relative(other.workdir, posix.resolve(other.workdir, source)));
        }
        assert.ok(existsSync(origin), `Dockerfile line ${i.line}: COPY source ${source} does not exist${from ? ` in stage ${from}` : ''}`);
        const target = join(dir, posix.relative(workdir, posix.resolve(workdir, dest)));
        const intoDir = dest.endsWith('/') || sources.length > 1;
        await cp(origin, intoDir ? join(target, posix.basename(source)) : target, { recursive: true });
      }
    }
    if (i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args) && !existsSync(join(dir, 'node_modules'))) {
      await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    }
    if (i.keyword === 'RUN' && /\bnode scripts\/warm-compile-cache\.mjs\b/.test(i.args)) {
      const args = i.args.trim().split(/\s+/).slice(1);
      await promisify(execFile)(process.execPath, args, { cwd: dir }).catch((err: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`the compile cache's warm-up fails in the build stage:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
      });
    }
    if (i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)) {
      // The project's own build (tsc, then the bundle), with only what the stage copied beside node_modules.
      await promisify(execFile)('npm', ['run', 'build'], { cwd: dir }).catch((err: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`the build stage does not build with what it copies:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
      });
    }
  }
  return workdir;
}

test('the stages replayed: the build compiles from what it copies, the image holds CMD’s file, starts and passes its HEALTHCHECK', async (t) => {
  const base = await tempDir(t, 'image');
  const built = new Map<string, { workdir: string; dir: string }>();
  for (const [n, stage] of stages.entries()) {
    const dir = join(base, `stage-${n}`);
    await mkdir(dir);
    built.set(stage.name ?? String(n), { workdir: await replay(stage, dir, built), dir });
  }
  const image = join(base, `stage-${stages.length - 1}`);
  const cmd = execForm(last(final, 'CMD')?.args ?? '') ?? [];
  assert.ok(existsSync(join(image, cmd.at(-1) ?? '')), `${cmd.at(-1)} exists in the image`);
  assert.ok(existsSync(join(image, 'rules.yaml')), 'rules.yaml is in the working directory, where RULES_FILE points by default');

  // Everything the compiled code imports must be a production dependency: the image has no others. The bundle also
  // carries its dependencies' own import() of their optional peers (inside a try): those need not be there.
  const pkg = JSON.parse(await readFile(join(image, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const optional = optionalPeers();
  const files = (await readdir(join(image, 'dist'), { recursive: true })).filter((f) => f.endsWith('.js'));
  for (const file of files) {
    const code = await readFile(join(image, 'dist', file), 'utf8');
    const specifiers = [
      // The module name ends the statement: a string 'from' inside an exported array is not an import.
      ...code.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"\n]+)['"]\s*(?:;|$)/gm),
      ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
      ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1] as string);
    assert.ok(specifiers.length > 0 || !/\bimport\b/.test(code), `dist/${file}: no imports read`);
    for (const spec of specifiers) {
      // Node's own modules: the bundle keeps some dependencies' `import … from 'util'` as written.
      if (isBuiltin(spec) || spec.startsWith('.')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      assert.ok(name in pkg.dependencies || (file.startsWith('bundle/') && optional.has(name)), `dist/${file} imports ${spec}, which is not in "dependencies" (npm ci --omit=dev leaves it out)`);
    }
  }

  // The native addons load from the image's node_modules (here the checkout's, built by its own npm install).
  for (const name of nativeDependencies()) {
    const load = await promisify(execFile)(process.execPath, ['-e', `require(${JSON.stringify(name)}); console.log('loaded')`], { cwd: image }).catch((err: Error) => ({ stdout: err.message }));
    assert.equal(load.stdout.trim(), 'loaded', `${name} loads in the image`);
  }

  const child = spawn(process.execPath, cmd.slice(1), {
    cwd: image,
    env: { PATH: process.env.PATH ?? '', ...finalEnv(), PORT: '0', HOST: '127.0.0.1', OUTBOX_DIR: join(base, 'outbox'), DATA_DIR: join(base, 'data') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const port = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no listen line in:\n${output}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match?.[1]) { clearTimeout(timer); ok(match[1]); }
    });
    child.once('exit', () => { clearTimeout(timer); fail(new Error(`exited early:\n${output}`)); });
  });
  const probe = execForm(/CMD\s+(\[.*\])$/.exec(last(final, 'HEALTHCHECK')?.args ?? '')?.[1] ?? '') ?? [];
  const health = spawn(process.execPath, probe.slice(1), { cwd: image, env: { PATH: process.env.PATH ?? '', PORT: port } });
  const [code] = await once(health, 'exit');
  assert.equal(code, 0, 'the HEALTHCHECK passes against the running image');
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^plus_relay_deliveries_total\{outcome="forwarded"\} 0$/m);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.equal((await exited)[0], 0, `SIGTERM stops the image's command cleanly:\n${output}`);
  assert.match(output, /"level":30/, 'NODE_ENV=production logs JSON');
  assert.equal(existsSync(join(base, 'data', 'compile-cache')), false, 'no compiled code in DATA_DIR');
  if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
    assert.ok(readdirSync(join(image, 'dist', 'compile-cache'), { recursive: true }).length > 1, 'the image carries its compile cache in dist/');
  }
});
