import { DELETED_FILE_SUFFIX } from './log-file-names.js';
import type { LogSegment } from './log-segment.js';

/**
 * Kafka's asyncDeleteSegment: a segment leaving the log is renamed to `.deleted` at once and
 * its files removed after file.delete.delay.ms. Nothing reads it meanwhile (reads are
 * synchronous and the segment is already out of the list); the delay only keeps Kafka's
 * behaviour for tools that watch the directory. Recovery removes leftover `.deleted` files.
 */
export class SegmentDeleter {
  private readonly pending = new Map<NodeJS.Timeout, readonly LogSegment[]>();

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
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      for (const segment of segments) segment.deleteIfExists();
    }, Math.min(delayMs, 2 ** 31 - 1));
    timer.unref();
    this.pending.set(timer, segments);
  }

  /** Deletes everything still waiting (clean shutdown). */
  runPending(): void {
    for (const [timer, segments] of this.pending) {
      clearTimeout(timer);
      for (const segment of segments) segment.deleteIfExists();
    }
    this.pending.clear();
  }

  /** Forgets the timers, leaving `.deleted` files for recovery (crash-like close). */
  cancel(): void {
    for (const timer of this.pending.keys()) clearTimeout(timer);
    this.pending.clear();
  }
}
