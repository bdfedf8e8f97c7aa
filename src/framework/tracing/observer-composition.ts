import type { SendObservationEnd, TemplateObserver } from '../core/template-observer.js';
import type { ListenerObserver, ListenerWrapper } from '../listener/listener-observer.js';

/** Both observers of a template (metrics and tracing), or the one there is. */
export function combineTemplateObservers(first: TemplateObserver | undefined, second: TemplateObserver | undefined): TemplateObserver | undefined {
  if (!first || !second) return first ?? second;
  const both = (a: SendObservationEnd | undefined, b: SendObservationEnd | undefined): SendObservationEnd => (error, metadata) => {
    a?.(error, metadata);
    b?.(error, metadata);
  };
  return {
    sendStarted: (record, headers) => both(first.sendStarted(record, headers), second.sendStarted(record, headers)),
    deadLettered: (record, error, topic) => {
      first.deadLettered?.(record, error, topic);
      second.deadLettered?.(record, error, topic);
    },
    deadLetterStarted: (record, destination) => both(first.deadLetterStarted?.(record, destination), second.deadLetterStarted?.(record, destination)),
    replyReceived: (record, container) => both(first.replyReceived?.(record, container), second.replyReceived?.(record, container)),
  };
}

/** A listener observer (metrics) plus a listener wrapper (tracing), or the one there is. */
export function withListenerWrapper(observer: ListenerObserver | undefined, wrapper: ListenerWrapper | undefined): ListenerObserver | ListenerWrapper | undefined {
  if (!observer || !wrapper) return observer ?? wrapper;
  const combined: ListenerObserver = {
    listenerStarted: (container, records) => observer.listenerStarted(container, records),
    failureHandled: (container, record, recovered) => observer.failureHandled(container, record, recovered),
  };
  const outer = wrapper.wrapListener?.bind(wrapper);
  const inner = observer.wrapListener?.bind(observer);
  if (outer || inner) {
    combined.wrapListener = (listener, container) => {
      const wrapped = inner?.(listener, container) ?? listener;
      return outer ? outer(wrapped, container) : wrapped;
    };
  }
  const recordScopes = wrapper.recordScopes?.bind(wrapper);
  if (recordScopes) combined.recordScopes = recordScopes;
  const batchScopes = wrapper.batchScopes?.bind(wrapper);
  if (batchScopes) combined.batchScopes = batchScopes;
  // Kept when the observer has it: record listeners are then timed with the container's own clock reading, not two more.
  const recordObserved = observer.recordObserved?.bind(observer);
  if (recordObserved) combined.recordObserved = recordObserved;
  return combined;
}
