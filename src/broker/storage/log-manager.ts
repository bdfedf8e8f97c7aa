import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrokerLogger } from '../logger.js';
import { fsyncDirectory, fsyncDirectoryAsync, writeFileAtomically } from './atomic-file.js';
import { DEFAULT_MAX_OPEN_FILES, FileHandleCache, withDescriptors } from './file-handle-cache.js';
import { LogCleaner, type CleanerStats, type LogCleanerOptions } from './log-cleaner.js';
import type { LogConfig } from './log-config.js';
import { CLEAN_SHUTDOWN_FILE, PARTITION_METADATA_FILE, partitionDirName } from './log-file-names.js';
import { PartitionLog } from './partition-log.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';

const NEVER = 2 ** 63;

export interface LogManagerOptions {
  dataDir: string;
  /** Time for retention, flush.ms and the cleaner, and the scheduler of their passes (default the real clock). */
  clock?: Clock;
  logger?: BrokerLogger;
  /** log.retention.check.interval.ms (300000). */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms (15000): how often the cleaner looks for dirty logs. */
  cleanerBackoffMs?: number;
  /** log.cleaner.enable (true). */
  cleanerEnabled?: boolean;
  /** log.flush.scheduler.interval.ms (Long.MAX: flush.ms is never checked unless this is set). */
  flushCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms (60000). */
  recoveryPointCheckpointIntervalMs?: number;
  cleaner?: LogCleanerOptions;
  /** streamwright.log.max.open.files: segment and index files open at once (default 4096). */
  maxOpenFiles?: number;
  /** How many logs a shutdown flushes and closes at once (default 64). */
  shutdownConcurrency?: number;
}

/**
 * Kafka's LogManager: owns every PartitionLog under the data directory (one
 * `<topic>-<partition>` directory each) and the timers that work on them: retention, the
 * cleaner, flush.ms and recovery point checkpoints. Timers are unref'd and only start with
 * `startup()`; each pass is also callable directly (tests, admin actions).
 */
export class LogManager {
  readonly dataDir: string;
  readonly cleaner: LogCleaner;
  private readonly now: () => number;
  private readonly logger: BrokerLogger | undefined;
  private readonly logs = new Map<string, PartitionLog>();
  private readonly clock: Clock;
  private readonly timers: TimerHandle[] = [];
  private cleaning: Promise<CleanerStats[]> | null = null;
  private closed = false;
  /** The open segment and index files of every log, capped. */
  readonly files: FileHandleCache;
  /** The data directory's clean shutdown marker was there at start: logs opened from it need no recovery. */
  private readonly closedCleanly: boolean;

  constructor(private readonly options: LogManagerOptions) {
    this.dataDir = options.dataDir;
    this.clock = options.clock ?? systemClock;
    this.now = () => this.clock.now();
    this.logger = options.logger;
    this.cleaner = new LogCleaner({ now: this.now, ...options.cleaner });
    this.files = new FileHandleCache(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    fs.mkdirSync(this.dataDir, { recursive: true });
    // Kafka's clean shutdown marker of a log directory: every log in it was closed cleanly.
    // Removed (durably, once) before any log can change, so that a crash is seen as one.
    const marker = path.join(this.dataDir, CLEAN_SHUTDOWN_FILE);
    this.closedCleanly = fs.existsSync(marker);
    if (this.closedCleanly) {
      fs.rmSync(marker, { force: true });
      fsyncDirectory(this.dataDir);
    }
  }

  /**
   * Opens the partition's log (recovering it if needed), creating its directory the first time.
   * `highWatermark` is where a log being opened starts its high watermark (clamped to the log;
   * default: the log end offset), ignored for a log already open.
   */
  getOrCreateLog(topic: string, partition: number, config: LogConfig, topicId?: string, highWatermark?: number): PartitionLog {
    if (this.closed) throw new Error('log manager is shut down');
    const key = partitionDirName(topic, partition);
    const existing = this.logs.get(key);
    if (existing !== undefined) return existing;
    const dir = path.join(this.dataDir, key);
    const created = makeDirectory(dir);
    // A new partition costs no fsync: its directory is synced with its first flush, and its
    // partition.metadata is rewritten from the cluster metadata whenever the log is opened.
    const log = PartitionLog.open(dir, config, { topic, partition, clock: this.clock, logger: this.logger, highWatermark, unsyncedDirectory: created, files: this.files, closedCleanly: this.closedCleanly && !created });
    if (topicId !== undefined) writePartitionMetadata(dir, topicId, created);
    this.logs.set(key, log);
    return log;
  }

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  get allLogs(): PartitionLog[] {
    return [...this.logs.values()];
  }

  /** Deletes the partition's directory. Returns false when this manager does not hold the log. */
  deleteLog(topic: string, partition: number): boolean {
    const key = partitionDirName(topic, partition);
    const log = this.logs.get(key);
    if (log === undefined) return false;
    this.logs.delete(key);
    log.delete();
    return true;
  }

  /** Starts the periodic work. */
  startup(): void {
    if (this.closed || this.timers.length > 0) return;
    const every = (ms: number | undefined, fallback: number, task: () => void) => {
      const interval = ms ?? fallback;
      if (interval <= 0 || interval >= NEVER) return;
      const timer = this.clock.setInterval(task, Math.min(interval, 2 ** 31 - 1));
      this.timers.push(timer);
    };
    every(this.options.retentionCheckIntervalMs, 300_000, () => this.guard('retention', () => this.runRetention()));
    if (this.options.cleanerEnabled ?? true) every(this.options.cleanerBackoffMs, 15_000, () => void this.runCleaner());
    every(this.options.flushCheckIntervalMs, NEVER, () => this.guard('flush', () => this.flushDirtyLogs()));
    every(this.options.recoveryPointCheckpointIntervalMs, 60_000, () => this.guard('checkpoint', () => this.checkpointRecoveryPoints()));
  }

  /** Applies retention to every log; returns the number of segments deleted. */
  runRetention(nowMs: number = this.now()): number {
    let deleted = 0;
    for (const log of this.logs.values()) {
      if (!log.isOpen) continue;
      try {
        deleted += log.applyRetention(nowMs);
      } catch (error) {
        this.logger?.error(`retention of ${log.name} failed: ${describe(error)}`);
      }
    }
    return deleted;
  }

  /**
   * Cleans, one after the other, the compacted logs that need it. A second call while a pass
   * runs returns the running pass.
   */
  runCleaner(nowMs?: number): Promise<CleanerStats[]> {
    if (this.cleaning !== null) return this.cleaning;
    const pass = (async () => {
      const results: CleanerStats[] = [];
      for (const log of [...this.logs.values()]) {
        if (this.closed) break;
        const now = nowMs ?? this.now();
        if (!this.cleaner.needsCleaning(log, now)) continue;
        try {
          results.push(await this.cleaner.clean(log, now));
        } catch (error) {
          if (log.isOpen) this.logger?.error(`cleaning ${log.name} failed: ${describe(error)}`);
        }
      }
      return results;
    })();
    this.cleaning = pass.finally(() => {
      this.cleaning = null;
    });
    return this.cleaning;
  }

  /** flush.ms for every log; returns how many were flushed. */
  flushDirtyLogs(nowMs: number = this.now()): number {
    let flushed = 0;
    for (const log of this.logs.values()) if (log.flushIfDue(nowMs)) flushed++;
    return flushed;
  }

  checkpointRecoveryPoints(): void {
    for (const log of this.logs.values()) log.checkpointRecoveryPoint();
  }

  /** Clean shutdown: stops the timers and closes every log (flush, recovery points, clean shutdown markers). */
  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.splice(0)) this.clock.clearInterval(timer);
    let failed = false;
    for (const log of this.logs.values()) {
      try {
        log.close(false);
      } catch (error) {
        failed = true;
        this.logger?.error(`closing ${log.name} failed: ${describe(error)}`);
      }
    }
    this.logs.clear();
    if (!failed) this.markCleanShutdown();
  }

  /** One marker for the whole data directory (Kafka's), written once every log is closed. */
  private markCleanShutdown(): void {
    withDescriptors(() => fs.writeFileSync(path.join(this.dataDir, CLEAN_SHUTDOWN_FILE), ''));
    fsyncDirectory(this.dataDir);
  }

  close(): void {
    this.shutdown();
  }

  /**
   * shutdown() that flushes and closes up to `shutdownConcurrency` logs at once, their fsyncs on
   * the thread pool (a broker with thousands of partitions would otherwise wait for one fsync
   * after the other). Logs with nothing unflushed cost no fsync; the data directory is fsynced
   * once at the end when new partitions' directories need it.
   */
  async shutdownAsync(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.splice(0)) this.clock.clearInterval(timer);
    const logs = [...this.logs.values()];
    this.logs.clear();
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (next < logs.length) {
        const log = logs[next++]!;
        try {
          await log.closeAsync(false);
        } catch (error) {
          failed = true;
          this.logger?.error(`closing ${log.name} failed: ${describe(error)}`);
        }
      }
    };
    const concurrency = Math.max(1, this.options.shutdownConcurrency ?? 64);
    await Promise.all(Array.from({ length: Math.min(concurrency, logs.length) }, worker));
    // Also makes new partitions' directory entries durable (one fsync for all of them).
    if (!failed) this.markCleanShutdown();
    else await fsyncDirectoryAsync(this.dataDir);
  }

  /**
   * What a crash leaves: the timers stop and every file handle is closed without a flush, a
   * checkpoint or a clean shutdown marker, so the next start recovers the logs.
   */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.splice(0)) this.clock.clearInterval(timer);
    for (const log of this.logs.values()) log.closeHandlers();
    this.logs.clear();
  }

  private guard(what: string, task: () => void): void {
    try {
      task();
    } catch (error) {
      this.logger?.error(`${what} failed: ${describe(error)}`);
    }
  }
}

/** Creates `dir`; false when it was already there. One call where a check and a create would be two. */
function makeDirectory(dir: string): boolean {
  try {
    withDescriptors(() => fs.mkdirSync(dir));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Kafka's partition.metadata: `version: 0` and `topic_id: <id>`. Rewritten only when it changes. */
function writePartitionMetadata(dir: string, topicId: string, created: boolean): void {
  const file = path.join(dir, PARTITION_METADATA_FILE);
  const text = `version: 0\ntopic_id: ${topicId}\n`;
  if (created) {
    withDescriptors(() => fs.writeFileSync(file, text));
    return;
  }
  try {
    if (withDescriptors(() => fs.readFileSync(file, 'utf8')) === text) return;
  } catch {
    // Absent: written below.
  }
  writeFileAtomically(file, text);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
