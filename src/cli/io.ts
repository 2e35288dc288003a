/** What a CLI command may touch, passed in so tests can run commands in-process. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** A command takes its own arguments (after the command name) and returns an exit code. */
export type Command = (args: string[], io: CliIO) => Promise<number>;
