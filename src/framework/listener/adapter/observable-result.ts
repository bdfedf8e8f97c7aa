// Listener methods may return an Observable (rxjs, or anything with the same `subscribe`), as
// Nest's message handlers do. The framework awaits it like a promise of its last value, without
// depending on rxjs: that value is the `@SendTo` reply, as a Nest `client.send()` expects.

/** Something with rxjs' `subscribe({ next, error, complete })`, and not a promise. */
export interface ObservableLike<T = unknown> {
  subscribe(observer: { next: (value: T) => void; error: (error: unknown) => void; complete: () => void }): unknown;
}

export function isObservableLike(value: unknown): value is ObservableLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { subscribe?: unknown }).subscribe === 'function' &&
    typeof (value as { then?: unknown }).then !== 'function'
  );
}

/** Subscribes and resolves with the last value emitted (undefined when none was), or rejects with the Observable's error. */
export function lastValueOf<T>(observable: ObservableLike<T>): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let last: T | undefined;
    observable.subscribe({
      next: (value) => {
        last = value;
      },
      error: reject,
      complete: () => resolve(last),
    });
  });
}
