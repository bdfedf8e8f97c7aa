import { spawn, type ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

export interface Child {
  readonly process: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts a child process that is killed by {@link killAll} if the test does not end it. */
export function start(command: string, args: readonly string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter((l) => l.length > 0));
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  return { process: child, lines, stderr: () => stderr, exited };
}

/** Runs a command to completion. */
export async function run(command: string, args: readonly string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = start(command, args, options.env);
  if (options.input !== undefined) child.process.stdin!.end(options.input);
  else child.process.stdin!.end();
  const timer = setTimeout(() => child.process.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await child.exited;
  clearTimeout(timer);
  return { code, stdout: child.lines.join('\n'), stderr: child.stderr() };
}

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}
