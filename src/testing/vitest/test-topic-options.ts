/** How to create a test topic; unset values take the broker's defaults. */
export interface TestTopicOptions {
  partitions?: number;
  replicationFactor?: number;
  /** Topic configs with Kafka's names, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Record<string, string | number | boolean>;
}
