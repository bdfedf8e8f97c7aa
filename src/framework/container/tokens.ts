/** Service identifiers for what has no class of its own to be resolved by. */
export const TOKENS = {
  /** The kafkajs client config the application was created with. */
  KafkaConfig: Symbol.for('streamwright.KafkaConfig'),
  /** The topics declared for creation on start (`NewTopic[]`). */
  NewTopics: Symbol.for('streamwright.NewTopics'),
} as const;
