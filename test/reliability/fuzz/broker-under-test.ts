/**
 * The broker the fuzzer attacks: by default the compiled CLI broker as a child process (so its
 * memory is measured alone and a crash is an exit), or an in-process EmbeddedKafka (quicker to
 * debug; memory then includes the fuzzer's own).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { repoRoot } from './corpus.js';

export interface Memory {
  /** Resident set size now (VmRSS), MiB. */
  readonly rssMb: number;
  /** Peak resident set size as the kernel saw it (VmHWM), MiB. */
  readonly peakMb: number;
}

/** What the broker reports about itself (broker-monitor.mjs), bytes. */
export interface BrokerReport {
  /** Longest event-loop stall since the broker started, ms. */
  readonly maxStallMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** The broker's own reports, kept as the latest one and the one at the highest RSS. */
export class BrokerReports {
  latest: BrokerReport | undefined;
  atPeakRss: BrokerReport | undefined;
  /** Highest of each kind of memory over the run (not necessarily at the same moment). */
  readonly peaks = { heapUsed: 0, external: 0, arrayBuffers: 0 };

  add(report: BrokerReport): void {
    this.latest = report;
    if (!this.atPeakRss || report.rss > this.atPeakRss.rss) this.atPeakRss = report;
    this.peaks.heapUsed = Math.max(this.peaks.heapUsed, report.heapUsed);
    this.peaks.external = Math.max(this.peaks.external, report.external);
    this.peaks.arrayBuffers = Math.max(this.peaks.arrayBuffers, report.arrayBuffers);
  }
}

function isReport(message: unknown): message is BrokerReport {
  return typeof message === 'object' && message !== null && (message as { kind?: unknown }).kind === 'broker-monitor';
}

export interface BrokerUnderTest {
  readonly kind: 'cli' | 'in-process';
  readonly address: string;
  readonly pid: number;
  memory(): Memory | undefined;
  /** The broker's reports about its event loop and memory. */
  readonly reports: BrokerReports;
  /** Starts the longest-stall measure afresh (after the warm-up). */
  resetStall(): void;
  /** Undefined while running; how it ended otherwise. */
  exit(): string | undefined;
  /** The last bytes the broker wrote on stderr. */
  stderrTail(): string;
  /** Kills (cli) or stops (in-process) the broker and removes its data dir. */
  stop(): Promise<void>;
}

export function readMemory(pid: number | 'self'): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined; // the process is gone
  }
}

const STDERR_TAIL = 16 * 1024;

export async function startCliBroker(config: Record<string, string> = {}): Promise<BrokerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-fuzz-'));
  const cli = join(repoRoot(), 'dist', 'cli', 'main.js');
  const configArgs = Object.entries(config).flatMap(([k, v]) => ['--config', `${k}=${v}`]);
  const monitor = pathToFileURL(join(repoRoot(), 'test', 'reliability', 'fuzz', 'broker-monitor.mjs')).href;
  const child = spawn(process.execPath, ['--import', monitor, cli, 'broker', '--port', '0', '--data-dir', dataDir, '--log-level', 'error', ...configArgs], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const reports = new BrokerReports();
  child.on('message', (message) => {
    if (isReport(message)) reports.add(message);
  });
  child.channel?.unref();
  let stderr = '';
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    }),
  );
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-STDERR_TAIL)));
  const address = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`broker did not start within 30 s: ${stderr}`)), 30_000);
    void exited.then(() => reject(new Error(`broker ${exit} before listening: ${stderr}`)));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /^listening on (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    kind: 'cli',
    address,
    pid: child.pid!,
    memory: () => (exit === undefined ? readMemory(child.pid!) : undefined),
    reports,
    resetStall: () => {
      if (exit === undefined && child.connected) child.send('reset-stall');
    },
    exit: () => exit,
    stderrTail: () => stderr,
    async stop() {
      if (exit === undefined) child.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startInProcessBroker(config: Record<string, string> = {}): Promise<BrokerUnderTest> {
  const kafka = await EmbeddedKafka.start({ port: 0, logger: consoleLogger('silent', 'fuzz'), config });
  let stopped = false;
  // In process there is no channel: the same measures are taken here, every 100 ms.
  const reports = new BrokerReports();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => reports.add({ maxStallMs: delay.max / 1e6, ...process.memoryUsage() }), 100);
  timer.unref();
  return {
    kind: 'in-process',
    address: kafka.bootstrapServers[0]!,
    pid: process.pid,
    memory: () => readMemory('self'),
    reports,
    resetStall: () => delay.reset(),
    exit: () => undefined,
    stderrTail: () => '',
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      delay.disable();
      await kafka.stop();
    },
  };
}
