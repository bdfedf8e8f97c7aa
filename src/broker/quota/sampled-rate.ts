/**
 * A rate over Kafka's sampled windows (its SampledStat + Rate, as quota sensors use them):
 * `samples` windows of `windowMs` each; a value goes into the current window, a new window
 * starts once the current one is `windowMs` old, and windows older than the whole span are
 * reset when measured. The rate divides the retained total by the time since the oldest
 * window began, counted as at least `samples - 1` full windows, so a burst after a quiet
 * spell is measured against the full span rather than a few milliseconds.
 */
export class SampledRate {
  private readonly windows: Array<{ startMs: number; total: number }> = [];
  private current = 0;
  /** When a value was last recorded (idle sensors are dropped). */
  lastRecordMs = 0;

  constructor(
    private readonly samples: number,
    private readonly windowMs: number,
  ) {}

  record(value: number, nowMs: number): void {
    this.lastRecordMs = nowMs;
    if (this.windows.length === 0) this.windows.push({ startMs: nowMs, total: 0 });
    let window = this.windows[this.current]!;
    if (nowMs - window.startMs >= this.windowMs) {
      this.current = (this.current + 1) % this.samples;
      if (this.current >= this.windows.length) this.windows.push((window = { startMs: nowMs, total: 0 }));
      else {
        window = this.windows[this.current]!;
        window.startMs = nowMs;
        window.total = 0;
      }
    }
    window.total += value;
  }

  /** Per second. */
  measure(nowMs: number): number {
    this.purgeObsolete(nowMs);
    let total = 0;
    for (const w of this.windows) total += w.total;
    return total / (this.windowSizeMs(nowMs) / 1000);
  }

  /** The span the rate is measured over (Kafka's Rate.windowSize), at least 1 ms. */
  windowSizeMs(nowMs: number): number {
    this.purgeObsolete(nowMs);
    const oldest = this.windows.length === 0 ? nowMs : Math.min(...this.windows.map((w) => w.startMs));
    let elapsed = nowMs - oldest;
    const fullWindows = Math.floor(elapsed / this.windowMs);
    if (fullWindows < this.samples - 1) elapsed += (this.samples - 1 - fullWindows) * this.windowMs;
    return Math.max(elapsed, 1);
  }

  private purgeObsolete(nowMs: number): void {
    const expireAge = this.samples * this.windowMs;
    for (const w of this.windows) {
      if (nowMs - w.startMs >= expireAge) {
        w.startMs = nowMs;
        w.total = 0;
      }
    }
  }
}
