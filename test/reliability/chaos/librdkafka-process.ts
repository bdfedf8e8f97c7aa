/**
 * Runs the librdkafka script (librdkafka-script.ts) as a child process and turns its lines into
 * the History: writes for the producer modes, reads for the reader mode.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { History, WriteOutcome } from './history.js';
import { LIBRDKAFKA_SCRIPT } from './librdkafka-script.js';

const PYTHON = '/usr/bin/python3';

export type LibrdkafkaMode =
  | { mode: 'produce'; topic: string; partitions: number; prefix: string; perSecond: number }
  | { mode: 'txn'; topic: string; partitions: number; prefix: string; perSecond: number; transactionalId: string }
  | { mode: 'read'; topics: string[] };

export class LibrdkafkaProcess {
  /** Lines that were not events (librdkafka's own logging, errors), for diagnosis. */
  readonly log: string[] = [];
  /** Partitions a reader stopped short of the end of (`short` lines). */
  readonly shortfalls: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly exited: Promise<number | null>;
  private done = false;

  constructor(
    readonly name: string,
    bootstrap: string,
    spec: LibrdkafkaMode,
    history: History,
  ) {
    const args =
      spec.mode === 'read'
        ? [spec.mode, bootstrap, ...spec.topics]
        : [spec.mode, bootstrap, spec.topic, String(spec.partitions), spec.prefix, String(spec.perSecond), ...(spec.mode === 'txn' ? [spec.transactionalId] : [])];
    this.child = spawn(PYTHON, ['-c', LIBRDKAFKA_SCRIPT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const [kind, ...rest] = line.split(' ');
      const now = Date.now();
      if (kind === 'ok' || kind === 'indeterminate' || kind === 'aborted') {
        if (spec.mode === 'read') return;
        const [value, partition, offset] = rest;
        const known = kind === 'ok' && offset !== undefined && Number(offset) >= 0;
        history.writes.push({
          client: 'librdkafka',
          producer: name,
          topic: spec.topic,
          partition: Number(partition),
          value: value!,
          outcome: kind as WriteOutcome,
          ...(known ? { offset: Number(offset) } : {}),
          // librdkafka does not say when it sent a record; only kafkajs writes use the window.
          startedAt: now,
          endedAt: now,
        });
      } else if (kind === 'read') {
        const [topic, partition, offset, value] = rest;
        history.reads.push({ client: 'librdkafka', reader: name, session: 0, topic: topic!, partition: Number(partition), offset: Number(offset), value: value! });
      } else if (kind === 'short') {
        this.shortfalls.push(rest.join(' '));
      } else if (kind === 'done') {
        this.done = true;
      } else {
        this.keepLog(line);
      }
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => this.keepLog(line));
    // A broken pipe (the script already gone) is reported by finish().
    this.child.stdin.on('error', () => undefined);
  }

  /** Closes stdin (the script's signal to wind down) and waits for it to exit. */
  async finish(timeoutMs = 180_000): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    if (code !== 0 || !this.done) throw new Error(`${this.name} (librdkafka) exited with ${code}${this.done ? '' : ' before it was done'}:\n${this.log.slice(-20).join('\n')}`);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private keepLog(line: string): void {
    this.log.push(line);
    if (this.log.length > 200) this.log.shift();
  }
}
