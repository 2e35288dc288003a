// Memory and CPU time of another process, read from /proc (Linux): the relay exposes nothing new for the benchmark.
import { readFileSync, writeFileSync } from 'node:fs';

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]) * 1024;
}

export const rssBytes = (pid: number): number => statusKb(pid, 'VmRSS');

/** Resets the kernel's peak-RSS mark (VmHWM) so it covers only what follows; false where the kernel refuses. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Peak RSS of `pid` while `work` runs: the kernel's VmHWM when it can be reset, and a 2 ms poll of VmRSS either
 * way (the larger of the two counts: the poll can miss a short spike, the mark cannot).
 */
export async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ peak: number; result: T; source: string }> {
  const exact = resetPeak(pid);
  let polled = rssBytes(pid);
  const timer = setInterval(() => {
    polled = Math.max(polled, rssBytes(pid));
  }, 2);
  try {
    const result = await work();
    polled = Math.max(polled, rssBytes(pid));
    const peak = exact ? Math.max(polled, statusKb(pid, 'VmHWM')) : polled;
    return { peak, result, source: exact ? 'VmHWM (reset before) and a 2 ms VmRSS poll' : '2 ms VmRSS poll' };
  } finally {
    clearInterval(timer);
  }
}

/** User + system CPU time the process has used so far, in ms (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
