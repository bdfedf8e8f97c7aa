/** A topic to create on start, as Kafka's `NewTopic`. Omitted counts use the broker's defaults. */
export interface NewTopic {
  readonly name: string;
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  /** Partition → broker ids; when set, partitions and replicas come from it. */
  readonly replicasAssignments?: Readonly<Record<number, readonly number[]>>;
  readonly configs: Readonly<Record<string, string>>;
}

/** The fluent builder that `TopicBuilder.name(topic)` returns. */
export class NewTopicBuilder {
  private numPartitions: number | undefined;
  private replicationFactor: number | undefined;
  private assignments: Record<number, number[]> | undefined;
  private readonly configMap: Record<string, string> = {};

  constructor(private readonly topicName: string) {}

  partitions(count: number): this {
    this.numPartitions = count;
    return this;
  }

  replicas(count: number): this {
    this.replicationFactor = count;
    return this;
  }

  assignReplicas(partition: number, brokerIds: number[]): this {
    this.assignments ??= {};
    this.assignments[partition] = [...brokerIds];
    return this;
  }

  replicasAssignments(assignments: Record<number, number[]>): this {
    this.assignments = Object.fromEntries(Object.entries(assignments).map(([p, ids]) => [p, [...ids]]));
    return this;
  }

  config(name: string, value: string | number | boolean): this {
    this.configMap[name] = String(value);
    return this;
  }

  configs(configs: Record<string, string | number | boolean>): this {
    for (const [name, value] of Object.entries(configs)) this.config(name, value);
    return this;
  }

  /** `cleanup.policy=compact`. */
  compact(): this {
    return this.config('cleanup.policy', 'compact');
  }

  build(): NewTopic {
    const valid = (n: number | undefined) => (n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined);
    return {
      name: this.topicName,
      numPartitions: this.assignments ? undefined : valid(this.numPartitions),
      replicationFactor: this.assignments ? undefined : valid(this.replicationFactor),
      replicasAssignments: this.assignments,
      configs: { ...this.configMap },
    };
  }
}

/**
 * Fluent construction of a {@link NewTopic}, as Spring's `TopicBuilder`:
 * `TopicBuilder.name('orders').partitions(6).replicas(1).config('retention.ms', '60000').compact().build()`.
 * (An object rather than a class: a class cannot have a static method called `name`.)
 */
export const TopicBuilder: { name(topic: string): NewTopicBuilder } = Object.freeze({
  name: (topic: string) => new NewTopicBuilder(topic),
});

export type TopicBuilder = NewTopicBuilder;
