// What a subcommand module exports, and small output helpers the commands share.

export interface Command {
  name: string;
  /** One line for `streamwright --help`. */
  summary: string;
  usage: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Writes to stdout, waiting when the pipe is full (a slow reader must not make us buffer all). */
export function writeOut(data: string | Buffer): Promise<void> | void {
  if (process.stdout.write(data)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** Resolves with the name of the first of the signals that arrives. */
export function onceSignal(signals: readonly NodeJS.Signals[]): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      dispose();
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
    dispose = () => {
      for (const s of signals) process.off(s, handler);
    };
  });
  return { promise, dispose };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
