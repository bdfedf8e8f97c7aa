import type { KafkaListenerEndpointRegistry } from '../config/kafka-listener-endpoint-registry.js';
import { ConcurrentMessageListenerContainer } from '../listener/concurrent-message-listener-container.js';
import { KafkaMessageListenerContainer } from '../listener/kafka-message-listener-container.js';
import type { ListenerCircuitBreaker } from '../listener/listener-circuit-breaker.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';

export interface ListenerConsumerEntry {
  readonly listener: MessageListenerContainer;
  readonly consumer: KafkaMessageListenerContainer;
}

/** The registry's containers as metrics and health see them: one entry per consumer. */
export class ListenerContainers {
  constructor(private readonly registry: KafkaListenerEndpointRegistry) {}

  /** Every `@KafkaListener` container (the concurrent ones, by their listener ids). */
  listeners(): MessageListenerContainer[] {
    return this.registry.getListenerContainers();
  }

  /** The consumers: children of concurrent containers, or the container itself. */
  consumers(): ListenerConsumerEntry[] {
    return this.listeners().flatMap((listener): ListenerConsumerEntry[] => {
      if (listener instanceof ConcurrentMessageListenerContainer) return listener.containers.map((consumer) => ({ listener, consumer }));
      return listener instanceof KafkaMessageListenerContainer ? [{ listener, consumer: listener }] : [];
    });
  }

  breakers(): { name: string; breaker: ListenerCircuitBreaker }[] {
    return this.listeners().flatMap((listener) => {
      const breaker = (listener as { circuitBreaker?: ListenerCircuitBreaker }).circuitBreaker;
      return breaker ? [{ name: listener.listenerId, breaker }] : [];
    });
  }

  /** The `@KafkaListener` id a consumer belongs to. */
  listenerIdOf(consumer: MessageListenerContainer): string {
    return this.consumers().find((entry) => entry.consumer === consumer)?.listener.listenerId ?? consumer.listenerId;
  }

  /** The listener of a group that reads `topic` (dead-letter records name the group); else the group. */
  listenerIdForGroup(group: string | undefined, topic: string): string {
    const listeners = this.listeners().filter((l) => (group === undefined || l.groupId === group) && l.containerProperties.topics.includes(topic));
    return listeners[0]?.listenerId ?? group ?? 'unknown';
  }
}

export interface ConsumerState {
  readonly name: string;
  readonly running: boolean;
  readonly assigned: number;
}

export function containerStates(containers: ListenerContainers): () => ConsumerState[] {
  return () => containers.consumers().map(({ consumer }) => ({ name: consumer.listenerId, running: consumer.isRunning(), assigned: consumer.assignments().length }));
}
