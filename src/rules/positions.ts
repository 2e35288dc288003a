import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** One problem in a rules file, located for a human: `file:line:col: message`. */
export interface RulesProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** A path into the parsed document, as Ajv's `instancePath` segments or written by hand. */
export type DocPath = readonly (string | number)[];

/** A problem before it has a position: where in the data, and whether to point at the key or the value. */
export interface PathProblem {
  path: DocPath;
  message: string;
  /** Point at the mapping key of the last segment (e.g. an unknown key) rather than its value. */
  atKey?: boolean;
  /** A character index inside a string value, for pointing into a template or pattern. */
  index?: number;
}

/** Turns data paths into `file:line:col` positions using the YAML AST, so every message points at its source. */
export function makeLocator(file: string, text: string, doc: Document, lines: LineCounter) {
  const at = (offset: number, message: string): RulesProblem => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col, message };
  };

  // Walk the AST by path; when a step is missing, stay at the deepest node reached so the message still
  // lands near its cause (e.g. `users:` with no value points at `users`).
  const offsetOf = (p: PathProblem): number => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [i, segment] of p.path.entries()) {
      if (isAlias(node)) node = node.resolve(doc);
      const last = i === p.path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!isPair(pair)) return offset;
        offset = rangeStart(pair.key) ?? offset;
        if (last && p.atKey) return offset;
        node = pair.value;
      } else if (isSeq(node)) {
        node = node.items[Number(segment)];
      } else {
        return offset;
      }
      offset = rangeStart(node) ?? offset;
    }
    return offset + innerOffset(text, node, p.index);
  };

  return (p: PathProblem): RulesProblem => at(offsetOf(p), p.message);
}

function rangeStart(node: unknown): number | undefined {
  return node !== null && typeof node === 'object' && 'range' in node ? (node as Node).range?.[0] : undefined;
}

/**
 * Column of a character inside a string scalar. Only exact when the source spells the value verbatim
 * (plain or quoted without escapes); otherwise we point at the start of the scalar rather than guess.
 */
function innerOffset(text: string, node: unknown, index: number | undefined): number {
  if (index === undefined || !isScalar(node) || typeof node.value !== 'string' || !node.range) return 0;
  const start = node.range[0];
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  const value = node.value;
  return text.slice(start + quoted, start + quoted + value.length) === value ? quoted + index : 0;
}
