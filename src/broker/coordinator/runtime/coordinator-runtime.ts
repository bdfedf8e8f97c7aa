import { CoordinatorTopic, type CoordinatorShard, type CoordinatorTopicDeps, type InternalTopicSpec } from './coordinator-topic.js';

/**
 * The runtime both coordinators run on (after Kafka's CoordinatorRuntime): each coordinator
 * registers its internal topic and the shard that loads it, and the replica manager reports
 * every leadership change of a hosted partition here, which reaches the coordinator of that
 * topic. Partition placement, topic creation, FindCoordinator and loading are the same code
 * for both (see {@link CoordinatorTopic}).
 */
export class CoordinatorRuntime {
  private readonly topics = new Map<string, CoordinatorTopic>();

  constructor(private readonly deps: CoordinatorTopicDeps) {}

  /** Registers a coordinator's internal topic; the coordinator starts and stops it. */
  register(spec: InternalTopicSpec, shard: CoordinatorShard): CoordinatorTopic {
    if (this.topics.has(spec.name)) throw new Error(`${spec.name} already has a coordinator`);
    const topic = new CoordinatorTopic(spec, shard, this.deps);
    this.topics.set(spec.name, topic);
    return topic;
  }

  /** The replica manager made this broker leader of a partition, or a follower (other topics are ignored). */
  onLeadershipChange(topic: string, index: number, isLeader: boolean): void {
    this.topics.get(topic)?.onLeadershipChange(index, isLeader);
  }
}
