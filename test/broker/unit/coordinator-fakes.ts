/**
 * Fakes of the coordinators' collaborators (no broker, no sockets, no files): a metadata view
 * and controller kept in maps, in-memory partitions, and the replica manager's acks=-1 write
 * with acknowledgements that a test can hold back (an ISR that has not caught up yet). Tests that
 * move time use the broker's own ManualClock.
 */
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import { systemClock, type Clock } from '../../../src/broker/clock.js';
import type { PartitionAssignment, TopicMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import type { AppendInfo, Partition, PartitionRead } from '../../../src/broker/cluster/partition.js';
import { BrokerConfig, type ConfigValue } from '../../../src/broker/config/broker-config.js';
import type { CoordinatorContext, CoordinatorDeps, CoordinatorMetadataView, CoordinatorPartitions } from '../../../src/broker/coordinator/runtime/coordinator-context.js';
import { CoordinatorRuntime } from '../../../src/broker/coordinator/runtime/coordinator-runtime.js';

export const quietLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * One partition in memory, led by whoever the test says: appends as leader assign offsets
 * (rewriting each batch's base offset, as the log does) and reads return the batches from an
 * offset on. The high watermark is the log end (an ISR that has everything).
 */
export class FakePartition {
  readonly batches: Array<{ baseOffset: number; bytes: Buffer }> = [];
  isLeader = true;
  leaderEpoch = 0;
  readonly settings = { minInsyncReplicas: 1, log: { messageTimestampType: 'CreateTime' } };
  readonly isr = [0];
  private end = 0;

  constructor(
    readonly topic: string,
    readonly index: number,
  ) {}

  get logStartOffset(): number {
    return 0;
  }
  get logEndOffset(): number {
    return this.end;
  }
  get highWatermark(): number {
    return this.end;
  }

  appendRecordsAsLeader(records: Buffer): AppendInfo {
    if (!this.isLeader) throw new KafkaProtocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `not the leader of ${this.topic}-${this.index}`);
    const bytes = Buffer.from(records);
    const baseOffset = this.end;
    bytes.writeBigInt64BE(BigInt(baseOffset), 0);
    // lastOffsetDelta sits at byte 23 of a batch header.
    this.end = baseOffset + bytes.readInt32BE(23) + 1;
    this.batches.push({ baseOffset, bytes });
    return { baseOffset, logAppendTime: -1, logStartOffset: 0, duplicate: false, requiredOffset: this.end };
  }

  readForFollower(fetchOffset: number): PartitionRead {
    const records = Buffer.concat(this.batches.filter((b) => b.baseOffset >= fetchOffset).map((b) => b.bytes));
    return { records, highWatermark: this.end, lastStableOffset: this.end, logStartOffset: 0, abortedTransactions: null };
  }

  read(fetchOffset: number): PartitionRead {
    return this.readForFollower(fetchOffset);
  }

  /** Typed as what the coordinators read (they use only the members above). */
  get asPartition(): Partition {
    return this as unknown as Partition;
  }
}

/**
 * The metadata, the controller, the hosted partitions and the acks=-1 write of broker 0, all
 * in memory. Creating a topic makes this broker lead every partition and tells the runtime,
 * as the replica manager does.
 */
export class FakeBroker implements CoordinatorMetadataView, CoordinatorPartitions {
  readonly topics = new Map<string, TopicMetadata>();
  readonly hosted = new Map<string, FakePartition>();
  readonly created: Array<{ name: string; numPartitions: number; replicationFactor: number; configs: Record<string, string> }> = [];
  readonly live = new Set([0]);
  /** Acknowledgements held back while set (the ISR has not caught up); `releaseAcks` sends them. */
  holdAcks = false;
  private readonly heldAcks: Array<() => void> = [];
  readonly context: CoordinatorContext;
  readonly runtime: CoordinatorRuntime;

  /** Injected coordinator load delays, by coordinator (fault injection's delayCoordinatorLoad). */
  readonly loadDelayMs = { group: 0, transaction: 0 };

  constructor(config: Readonly<Record<string, ConfigValue>> = {}, clock: Clock = systemClock) {
    this.context = { nodeId: 0, config: new BrokerConfig(config), logger: quietLogger, clock };
    this.runtime = new CoordinatorRuntime({
      context: this.context,
      metadata: this,
      partitions: this,
      topics: { createTopic: (spec) => this.createTopic(spec) },
      faults: { loadDelayMs: (kind) => this.loadDelayMs[kind] },
    });
  }

  get deps(): CoordinatorDeps {
    return { context: this.context, metadata: this, partitions: this, runtime: this.runtime };
  }

  createTopic(spec: { name: string; numPartitions: number; replicationFactor: number; configs: Record<string, string> }): void {
    this.created.push(spec);
    const partitions: PartitionAssignment[] = [];
    for (let i = 0; i < spec.numPartitions; i++) {
      partitions.push({ partition: i, replicas: [0], leaderId: 0, leaderEpoch: 0, isr: [0] });
      this.hosted.set(`${spec.name}-${i}`, new FakePartition(spec.name, i));
    }
    this.topics.set(spec.name, { name: spec.name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions, configs: spec.configs });
    for (let i = 0; i < spec.numPartitions; i++) this.runtime.onLeadershipChange(spec.name, i, true);
  }

  /** Moves a partition's leadership to `leaderId` at the next epoch, telling the runtime what the replica manager would. */
  moveLeader(topic: string, index: number, leaderId: number): void {
    const assignment = this.topics.get(topic)!.partitions[index]!;
    assignment.leaderId = leaderId;
    assignment.leaderEpoch++;
    const partition = this.hosted.get(`${topic}-${index}`)!;
    partition.isLeader = leaderId === 0;
    partition.leaderEpoch = assignment.leaderEpoch;
    this.runtime.onLeadershipChange(topic, index, leaderId === 0);
  }

  fakePartition(topic: string, index: number): FakePartition {
    return this.hosted.get(`${topic}-${index}`)!;
  }

  releaseAcks(): void {
    for (const ack of this.heldAcks.splice(0)) ack();
  }

  // CoordinatorMetadataView.
  topic(name: string): TopicMetadata | undefined {
    return this.topics.get(name);
  }
  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderId ?? -1;
  }
  isLive(nodeId: number): boolean {
    return this.live.has(nodeId);
  }
  liveBrokerCount(): number {
    return this.live.size;
  }

  // CoordinatorPartitions.
  partition(topic: string, index: number): Partition | undefined {
    return this.hosted.get(`${topic}-${index}`)?.asPartition;
  }
  partitionsOf(topic: string): readonly Partition[] {
    return [...this.hosted.values()].filter((p) => p.topic === topic).map((p) => p.asPartition);
  }
  appendCoordinatorRecords(partition: Partition, records: Buffer, _timeoutMs: number, done: (errorCode: number) => void): void {
    try {
      partition.appendRecordsAsLeader(records, null, 'coordinator');
    } catch (error) {
      return done(error instanceof KafkaProtocolError ? error.code : ErrorCode.UNKNOWN_SERVER_ERROR);
    }
    if (this.holdAcks) this.heldAcks.push(() => done(ErrorCode.NONE));
    else done(ErrorCode.NONE);
  }
}
