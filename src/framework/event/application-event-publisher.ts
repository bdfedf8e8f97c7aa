import { defaultLogger, type Logger } from '../support/logger.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EventType<E> = abstract new (...args: any[]) => E;

export type ApplicationListener<E> = (event: E) => void | Promise<void>;

/**
 * Delivers container events to the listeners registered for the event's class or any of its
 * superclasses (`KafkaEvent` receives them all). A failing listener is logged, never rethrown
 * into the container.
 */
export class ApplicationEventPublisher {
  private readonly listeners = new Map<EventType<unknown>, Set<ApplicationListener<never>>>();

  constructor(private readonly logger: Logger = defaultLogger()) {}

  addListener<E>(type: EventType<E>, listener: ApplicationListener<E>): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener as ApplicationListener<never>);
    this.listeners.set(type, set);
    return () => set.delete(listener as ApplicationListener<never>);
  }

  publishEvent(event: object): void {
    for (const [type, set] of this.listeners) {
      if (!(event instanceof type)) continue;
      for (const listener of set) {
        try {
          const result = (listener as ApplicationListener<object>)(event);
          if (result instanceof Promise) result.catch((error) => this.logger.error(`Event listener failed for ${event.constructor.name}`, error));
        } catch (error) {
          this.logger.error(`Event listener failed for ${event.constructor.name}`, error);
        }
      }
    }
  }
}
