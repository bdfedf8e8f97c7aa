/** What a listener sees: the log's offsets when it runs. */
export interface LogChange {
  logEndOffset: number;
  highWatermark: number;
}

export type LogListener = (change: LogChange) => void;

/**
 * Listeners of one log event (appends, or high watermark growth). Notifications are coalesced
 * into one microtask: the code that appended can move the high watermark before fetch
 * long-polls wake, and a throwing listener cannot break an append.
 */
export class LogListeners {
  private readonly listeners = new Set<LogListener>();
  private pending = false;

  constructor(
    private readonly snapshot: () => LogChange,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Returns the unsubscribe function. */
  add(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  notify(): void {
    if (this.pending || this.listeners.size === 0) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      const change = this.snapshot();
      for (const listener of [...this.listeners]) {
        try {
          listener(change);
        } catch (error) {
          this.onError(error);
        }
      }
    });
  }

  clear(): void {
    this.listeners.clear();
  }
}
