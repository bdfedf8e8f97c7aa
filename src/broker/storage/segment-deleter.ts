import { DELETED_FILE_SUFFIX } from './log-file-names.js';
import type { LogSegment } from './log-segment.js';
import type { Clock, TimerHandle } from '../clock.js';

/**
 * Kafka's asyncDeleteSegment: a segment leaving the log is renamed to `.deleted` at once and
 * its files removed after file.delete.delay.ms. Nothing reads it meanwhile (reads are
 * synchronous and the segment is already out of the list); the delay only keeps Kafka's
 * behaviour for tools that watch the directory. Recovery removes leftover `.deleted` files.
 */
export class SegmentDeleter {
  private readonly pending = new Map<TimerHandle, readonly LogSegment[]>();

  constructor(private readonly clock: Clock) {}

  /** Renames and schedules (or, with no delay, performs) the deletion. */
  delete(segments: readonly LogSegment[], delayMs: number): void {
    if (segments.length === 0) return;
    for (const segment of segments) {
      segment.closeHandlers();
      segment.changeFileSuffix(DELETED_FILE_SUFFIX);
    }
    if (delayMs <= 0) {
      for (const segment of segments) segment.deleteIfExists();
      return;
    }
    const timer = this.clock.setTimeout(() => {
      this.pending.delete(timer);
      for (const segment of segments) segment.deleteIfExists();
    }, Math.min(delayMs, 2 ** 31 - 1));
    this.pending.set(timer, segments);
  }

  /** Deletes everything still waiting (clean shutdown). */
  runPending(): void {
    for (const [timer, segments] of this.pending) {
      this.clock.clearTimeout(timer);
      for (const segment of segments) segment.deleteIfExists();
    }
    this.pending.clear();
  }

  /** Forgets the timers, leaving `.deleted` files for recovery (crash-like close). */
  cancel(): void {
    for (const timer of this.pending.keys()) this.clock.clearTimeout(timer);
    this.pending.clear();
  }
}
