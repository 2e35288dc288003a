// The short human summary printed after the JSON line.
interface MemoryFigures {
  ratio: number;
  peak_rss_mib: number;
  idle_rss_mib: number;
}

export interface Figures {
  machine: { cpus: number; node: string };
  throughput: { relay_rps: number; minimal_rps: number; ratio: number; target: number; cpu_ratio: number };
  rules_at_scale: { users_10000_rps: number; users_5_rps: number; ratio: number; target: number; cpu_ratio: number; route_us: { users_10000: number; users_5: number } };
  memory: { target: number; attachment: MemoryFigures; raw: MemoryFigures };
  latency: { rate_rps: number; relay_added_p50_ms: number; relay_added_p99_ms: number; minimal_added_p50_ms: number; minimal_added_p99_ms: number };
  sends: { reached_api: number; problems: string[] };
}

const mark = (met: boolean, smoke: boolean): string => (smoke ? '(smoke: not judged)' : met ? 'met' : 'MISSED');

export function summary(f: Figures, smoke: boolean): string {
  const { throughput: t, rules_at_scale: r, memory: m, latency: l } = f;
  const memoryLine = (name: string, x: MemoryFigures) =>
    `  ${name.padEnd(11)} ${x.ratio.toFixed(2)}× the message (idle ${x.idle_rss_mib} MiB → peak ${x.peak_rss_mib} MiB) ≤ ${m.target}: ${mark(x.ratio <= m.target, smoke)}`;
  return [
    `plus-relay bench on ${f.machine.cpus} cores, Node ${f.machine.node}${smoke ? ' — SMOKE run, figures are not meaningful' : ''}`,
    `  throughput  relay ${t.relay_rps} req/s vs minimal ${t.minimal_rps} req/s = ${t.ratio.toFixed(2)}× ≥ ${t.target}: ${mark(t.ratio >= t.target, smoke)} (by CPU per post: ${t.cpu_ratio.toFixed(2)}×)`,
    `  rules       10,000 users ${r.users_10000_rps} req/s vs 5 users ${r.users_5_rps} req/s = ${r.ratio.toFixed(2)}× ≥ ${r.target}: ${mark(r.ratio >= r.target, smoke)} (by CPU per post: ${r.cpu_ratio.toFixed(2)}×; one route(): ${r.route_us.users_10000} vs ${r.route_us.users_5} µs)`,
    memoryLine('attachment', m.attachment),
    memoryLine('raw', m.raw),
    `  latency     at ${l.rate_rps} req/s the relay adds p50 ${l.relay_added_p50_ms} ms, p99 ${l.relay_added_p99_ms} ms (minimal forwarder: ${l.minimal_added_p50_ms} / ${l.minimal_added_p99_ms} ms)`,
    `  sends       ${f.sends.reached_api} reached the API stand-in; ${f.sends.problems.length ? `PROBLEMS: ${f.sends.problems.join('; ')}` : 'one per accepted post'}`,
  ].join('\n');
}
