// The seam through which a DI container with scopes (Nest's request-scoped and transient
// providers) hands the framework a listener whose instances are made per record: the framework
// registers a stand-in bean (for the class's metadata) and asks it for the instance each time.
import type { ConsumerRecord } from '../../support/consumer-record.js';
import type { ConsumerRecords } from '../../support/consumer-records.js';

/** The method of a stand-in bean that returns the instance handling one record (or batch). */
export const LISTENER_INSTANCE_FOR = Symbol.for('streamwright:listenerInstanceFor');

/**
 * A listener bean standing for instances made per request: the framework reads the listener
 * annotations from its class and calls each listener method on the instance that
 * `[LISTENER_INSTANCE_FOR](record)` returns for the record (the batch, for a batch listener).
 */
export interface ScopedListenerBean {
  [LISTENER_INSTANCE_FOR](request: ConsumerRecord | ConsumerRecords | undefined): object | Promise<object>;
}

/** The bean's per-request instance lookup, when it is such a stand-in. */
export function scopedInstanceOf(bean: object): ScopedListenerBean[typeof LISTENER_INSTANCE_FOR] | undefined {
  const lookup = (bean as Partial<ScopedListenerBean>)[LISTENER_INSTANCE_FOR];
  return typeof lookup === 'function' ? lookup.bind(bean) : undefined;
}
