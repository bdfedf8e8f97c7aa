// Runs the compiled `streamwright` command (dist/, built by test/global-setup.ts) and kcat as
// child processes. Every child is tracked so that afterAll can kill what a failed test left.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const KCAT = '/usr/bin/kcat';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();

/** Kills every child still running (call from afterAll/afterEach). */
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Runs a command to completion, feeding `input` on stdin; killed after timeoutMs. */
export function run(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading everything
    child.stdin.end(options.input ?? '');
  });
}

/** `node dist/cli/main.js ...args`. */
export function cli(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return run(process.execPath, [CLI, ...args], options);
}

export function kcat(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Finished> {
  return run(KCAT, args, options);
}

/** A long-running `streamwright broker`, with its stdout and stderr collected as they come. */
export interface BrokerProcess {
  child: ChildProcess;
  /** host:port from the "listening on" line. */
  address: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `streamwright broker` and waits for its "listening on" line. */
export function startBrokerProcess(args: readonly string[], timeoutMs = 20_000): Promise<BrokerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'broker', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('close', (code, signal) => {
        children.delete(child);
        done({ code, signal });
      }),
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`broker did not print "listening on" within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before listening; stderr:\n${stderr}`));
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /^listening on (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          address: match[1]!,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}

/** Lines of a command's stdout, without the empty string after the last newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
}

/** A `streamwright` child left running: for signals, and for output that arrives over time. */
export interface RunningCli {
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`; rejects after timeoutMs. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  exited: Promise<Finished>;
}

export function startCli(args: readonly string[]): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const l of listeners) l();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<Finished>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    signal: (s) => child.kill(s),
    exited,
    waitForOutput: (text, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!stdout.includes(text)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`"${text}" did not appear on stdout within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
