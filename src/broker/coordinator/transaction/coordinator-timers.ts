import type { Clock, TimerHandle } from '../../clock.js';
import type { BrokerLogger } from '../../logger.js';

/**
 * The transaction coordinator's timers: periodic checks and delayed retries, none of which
 * keeps the process alive, all cancelled together when the broker stops. A delayed task
 * never runs after that.
 */
export class CoordinatorTimers {
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(
    private readonly logger: BrokerLogger,
    private readonly clock: Clock,
  ) {}

  /** Runs `task` every `ms`; a throwing task is logged and runs again next time. */
  every(ms: number, task: () => void): void {
    const timer = this.clock.setInterval(() => {
      try {
        task();
      } catch (error) {
        this.logger.error(`transaction coordinator task failed: ${(error as Error)?.stack ?? error}`);
      }
    }, ms);
    this.timers.add(timer);
  }

  /** Runs `task` once after `ms`, unless stopped before. */
  after(ms: number, task: () => void): void {
    if (this.stopped) return;
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) task();
    }, ms);
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) {
      this.clock.clearTimeout(timer);
      this.clock.clearInterval(timer);
    }
    this.timers.clear();
  }
}
