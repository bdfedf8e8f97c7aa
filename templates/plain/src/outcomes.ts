import { injectable } from 'inversify';

/** What the listeners did, for main.ts and the tests to wait on (an application would write to a database). */
@injectable()
export class Outcomes {
  readonly invoiced: string[] = [];
  readonly shipped: string[] = [];
  readonly undeliverable: string[] = [];
  private waiters: (() => void)[] = [];

  record(list: string[], id: string): void {
    list.push(id);
    this.waiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves once `condition` holds; rejects after `timeoutMs`. */
  async until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}
