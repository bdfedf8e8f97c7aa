import { injectable } from 'inversify';

/** Counts what the error-handling demo's listeners did, so main can wait for it. */
@injectable()
export class DemoProgress {
  private readonly counts = new Map<string, number>();
  private waiters: (() => void)[] = [];

  add(what: string): void {
    this.counts.set(what, this.count(what) + 1);
    this.waiters.splice(0).forEach((wake) => wake());
  }

  count(what: string): number {
    return this.counts.get(what) ?? 0;
  }

  /** Resolves once `what` happened `times` times; rejects after `timeoutMs`. */
  async waitFor(what: string, times: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(what) < times) {
      if (Date.now() > deadline) throw new Error(`Only ${this.count(what)} of ${times} '${what}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}
