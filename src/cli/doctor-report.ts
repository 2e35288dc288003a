import type { CliIO } from './io.js';

/** How doctor prints a finding: `ok`, `warn` or `FAIL`, then the fix on its own line; it counts what it printed. */
export interface Report {
  ok(line: string): void;
  warn(line: string, fix?: string): void;
  fail(line: string, fix?: string): void;
  readonly failures: number;
  readonly warnings: number;
}

export function report(io: CliIO): Report {
  let failures = 0;
  let warnings = 0;
  const print = (tag: string, line: string, fix?: string) => {
    io.out(`${tag.padEnd(5)} ${line}`);
    if (fix) io.out(`      fix: ${fix}`);
  };
  return {
    ok: (line) => print('ok', line),
    warn: (line, fix) => (warnings++, print('warn', line, fix)),
    fail: (line, fix) => (failures++, print('FAIL', line, fix)),
    get failures() { return failures; },
    get warnings() { return warnings; },
  };
}
