import type { MessageListenerContainer } from '../framework/listener/message-listener-container.js';

/** Spring's `ContainerTestUtils`. */
export const ContainerTestUtils = {
  /** Waits until the container's consumers hold `partitions` partitions in total. */
  async waitForAssignment(container: MessageListenerContainer, partitions: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (container.assignments().length !== partitions) {
      if (Date.now() > deadline) {
        throw new Error(`Container ${container.listenerId} has ${container.assignments().length} partitions, expected ${partitions}, after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  },
};
