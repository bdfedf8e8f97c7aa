import { KafkaException } from '../kafka-exception.js';
import type { MessageListenerContainer } from '../listener/message-listener-container.js';
import type { KafkaListenerContainerFactory } from './kafka-listener-container-factory.js';
import type { KafkaListenerEndpoint } from './kafka-listener-endpoint.js';

interface Registration {
  readonly container: MessageListenerContainer;
  readonly autoStartup: boolean;
}

/**
 * Holds the containers created for listener endpoints, as Spring's
 * `KafkaListenerEndpointRegistry`; containers are looked up by listener id.
 */
export class KafkaListenerEndpointRegistry {
  private readonly registrations = new Map<string, Registration>();

  registerListenerContainer(endpoint: KafkaListenerEndpoint, factory: KafkaListenerContainerFactory, autoStartup: boolean): MessageListenerContainer {
    if (this.registrations.has(endpoint.id)) throw new KafkaException(`Another listener container is already registered with id '${endpoint.id}'`);
    const container = factory.createListenerContainer(endpoint);
    this.registrations.set(endpoint.id, { container, autoStartup: endpoint.autoStartup ?? autoStartup });
    return container;
  }

  /** Whether the container starts with the registry (true for unknown ids, which start with nothing). */
  isAutoStartup(id: string): boolean {
    return this.registrations.get(id)?.autoStartup ?? false;
  }

  getListenerContainer(id: string): MessageListenerContainer | undefined {
    return this.registrations.get(id)?.container;
  }

  getListenerContainerIds(): string[] {
    return [...this.registrations.keys()];
  }

  getListenerContainers(): MessageListenerContainer[] {
    return [...this.registrations.values()].map((r) => r.container);
  }

  /** Spring's name for {@link getListenerContainers}. */
  getAllListenerContainers(): MessageListenerContainer[] {
    return this.getListenerContainers();
  }

  /** The containers whose id matches, as Spring's `getListenerContainersMatching` (a predicate on the id). */
  getListenerContainersMatching(idMatcher: (id: string) => boolean): MessageListenerContainer[] {
    return [...this.registrations].filter(([id]) => idMatcher(id)).map(([, r]) => r.container);
  }

  /** Starts one container by id (an `autoStartup: false` one, or one stopped earlier); resolves once it has its partitions. */
  async startListenerContainer(id: string): Promise<void> {
    await this.require(id).start();
  }

  /** Stops one container by id: its consumers finish the record in hand, commit and leave the group. */
  async stopListenerContainer(id: string): Promise<void> {
    await this.require(id).stop();
  }

  /** Pauses one container by id after the batch in hand; its consumers stay in the group. */
  pauseListenerContainer(id: string): void {
    this.require(id).pause();
  }

  resumeListenerContainer(id: string): void {
    this.require(id).resume();
  }

  /** Whether one container is running; false for unknown ids. */
  isListenerContainerRunning(id: string): boolean {
    return this.registrations.get(id)?.container.isRunning() ?? false;
  }

  private require(id: string): MessageListenerContainer {
    const container = this.getListenerContainer(id);
    if (!container) throw new KafkaException(`No listener container with id '${id}' (known: ${this.getListenerContainerIds().join(', ') || 'none'})`);
    return container;
  }

  /** Stops (if running) and forgets a container. */
  async unregisterListenerContainer(id: string): Promise<MessageListenerContainer | undefined> {
    const registration = this.registrations.get(id);
    if (!registration) return undefined;
    await registration.container.stop();
    this.registrations.delete(id);
    return registration.container;
  }

  /** Starts the auto-startup containers together; if one fails, the started ones are stopped again. */
  async start(): Promise<void> {
    const starting = [...this.registrations.values()].filter((r) => r.autoStartup).map((r) => r.container);
    const results = await Promise.allSettled(starting.map((c) => c.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.getListenerContainers().map((c) => c.stop()));
  }

  isRunning(): boolean {
    return this.getListenerContainers().some((c) => c.isRunning());
  }
}
