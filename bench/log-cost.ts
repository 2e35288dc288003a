// Not part of `npm run bench`: the CPU one JSON log line costs, by how pino writes it. Each mode runs in
// a child whose stdout is a pipe this process drains, as the relay's is on Fly and in the bench; the child logs
// 20,000 delivery-shaped lines, one per 300 µs of busy work, and reports process.cpuUsage() (its main thread and
// libuv's pool) per line. `none` is the floor.
//   node --import tsx bench/log-cost.ts [rounds]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

const MODES = ['none', 'default', 'batched', 'sync'] as const;
type Mode = (typeof MODES)[number];
const LINES = 20_000;
const WORK_US = 300;

function logger(mode: Mode): pino.Logger | null {
  switch (mode) {
    case 'none':
      return null;
    case 'default':
      return pino({ level: 'info' });
    case 'batched':
      // What src/log-format.ts gives the relay for JSON.
      return pino({ level: 'info' }, pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 }));
    case 'sync':
      return pino({ level: 'info' }, pino.destination({ dest: 1, sync: true }));
  }
}

async function child(mode: Mode): Promise<void> {
  const log = logger(mode);
  const line = {
    recipient: 'u3+shop12@bench.example', sender: 'bounce@shop.example', from: 'Shop <news@shop.example>', targets: ['you+u3@inbox.example'],
    rule: 2, outcome: 'forwarded', status: 200, reason: 'forwarded', mailgunIds: ['<20261203.1@relay5.bench>'], ms: 4,
  };
  const busy = (us: number): void => {
    const end = process.hrtime.bigint() + BigInt(us * 1000);
    while (process.hrtime.bigint() < end);
  };
  const before = process.cpuUsage();
  for (let i = 0; i < LINES; i++) {
    log?.info(line, 'delivery');
    await new Promise((resolve) => setImmediate(resolve));
    busy(WORK_US);
  }
  const used = process.cpuUsage(before);
  process.stderr.write(`${((used.user + used.system) / LINES).toFixed(1)}\n`);
}

async function run(mode: Mode): Promise<number> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.resume();
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  await once(proc, 'exit');
  return Number(err.trim().split('\n').pop());
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1] as Mode);
else {
  const rounds = Number(process.argv[2] ?? 2);
  for (let round = 1; round <= rounds; round++) {
    const figures: string[] = [];
    for (const mode of MODES) figures.push(`${mode} ${(await run(mode)).toFixed(1)}`);
    process.stderr.write(`round ${round}: µs of CPU per line and ${WORK_US} µs of work: ${figures.join(', ')}\n`);
  }
}
