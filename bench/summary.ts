// The human summary printed after the JSON line: the machine, every judged figure with its target and verdict,
// then what is reported without a target.
import type { Report } from './report.js';
import type { Verdict } from './targets.js';

function verdictLine(v: Verdict): string {
  const mark = v.met === null ? 'not judged' : v.met ? 'met' : 'MISSED';
  return `  ${v.figure.padEnd(54)} ${v.value.toFixed(2).padStart(6)}  ${v.target.padEnd(6)} ${mark.padEnd(10)} ${v.detail}`;
}

export function summary(r: Report, verdicts: Verdict[], smoke: boolean): string {
  const { machine: m, latency: l, sends } = r;
  const missed = verdicts.filter((v) => v.met === false).length;
  const outcome = sends.problems.length
    ? `FAILED: ${sends.problems.join('; ')}`
    : smoke
      ? 'smoke run passed (every post answered 200 and sent once; no figure judged)'
      : missed
        ? `${missed} of ${verdicts.length} targets MISSED`
        : `all ${verdicts.length} targets met`;
  return [
    `plus-relay bench, ${r.mode} run, ${r.date}`,
    `  machine: ${m.cpus} × ${m.cpuModel}, ${m.platform}, Node ${m.node}; load average ${m.loadavg.start.join(' ')} at start, ${m.loadavg.end.join(' ')} at end; build ${r.build_s} s`,
    ...(smoke ? ['  SMOKE run: too small for any figure to mean something; only the sends are checked'] : []),
    ...verdicts.map(verdictLine),
    `  start beside the minimal forwarder bundled as the relay is (no target): ${r.startup.start_ratio_to_bundled_minimal}× (relay ${r.startup.relay.start_ms} ms, bundled minimal ${r.startup.minimal_bundled.start_ms} ms, transpiled minimal ${r.startup.minimal.start_ms} ms)`,
    `  latency at ${l.rate_rps} req/s (no target): the relay adds p50 ${l.relay_added_p50_ms} ms, p99 ${l.relay_added_p99_ms} ms; the minimal forwarder ${l.minimal_added_p50_ms} / ${l.minimal_added_p99_ms} ms`,
    `  sends: ${sends.reached_api} reached the API stand-in; ${sends.problems.length ? 'PROBLEMS above' : 'one per accepted post'}`,
    `  ${outcome}`,
  ].join('\n');
}
