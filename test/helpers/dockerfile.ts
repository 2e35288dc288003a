/** A Dockerfile reader, enough for the deploy invariants: stages of instructions, continuations joined. */
export interface Instruction {
  keyword: string;
  /** The text after the keyword, continuation lines joined with a space. */
  args: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i] ?? '';
    if (/^\s*(#|$)/.test(logical)) continue;
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      const next = lines[++i] ?? '';
      if (/^\s*#/.test(next)) continue;
      logical = logical.slice(0, -1) + ' ' + next.trim();
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(logical);
    if (!match?.[1] || match[2] === undefined) throw new Error(`Dockerfile line ${start + 1}: cannot read ${JSON.stringify(logical)}`);
    const instruction = { keyword: match[1].toUpperCase(), args: match[2].trim(), line: start + 1 };
    if (instruction.keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!from?.[1]) throw new Error(`Dockerfile line ${start + 1}: cannot read FROM`);
      stages.push({ from: from[1], name: from[2] ?? null, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile line ${start + 1}: ${instruction.keyword} before FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

/** Exec form (`["node", "x"]`) as a list; shell form is returned as null. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : null;
}

/** COPY/ADD: its --from stage (or null: the build context), sources and destination. */
export function copyOf(args: string): { from: string | null; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() as string;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop();
  if (!dest || words.length === 0) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { from, sources: words, dest };
}

/** ENV in both forms: `ENV A=1 B=2` and the legacy `ENV A 1`. */
export function envOf(args: string): Record<string, string> {
  if (!args.includes('=') || /^\S+\s/.test(args) && !/^\S+=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return key ? { [key]: rest.join(' ') } : {};
  }
  return Object.fromEntries([...args.matchAll(/(\S+?)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [m[1] as string, (m[2] as string).replace(/^"|"$/g, '')]));
}
