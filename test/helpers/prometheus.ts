/** A reader for Prometheus text exposition, enough for tests: `value(name, labels)` of one sample. */
export interface Exposition {
  text: string;
  /** The sample with exactly these labels, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every metric name declared with `# TYPE`. */
  types: Map<string, string>;
}

export function parseExposition(text: string): Exposition {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample?.[1] || !sample[3]) throw new Error(`not a sample line: ${line}`);
    samples.set(key(sample[1], labelsOf(sample[2] ?? '')), Number(sample[3]));
  }
  return { text, types, value: (name, labels = {}) => samples.get(key(name, labels)) };
}

function labelsOf(inside: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of inside.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] as string] = match[2] as string;
  return labels;
}

function key(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;
}
