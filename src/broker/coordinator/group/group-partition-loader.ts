import type { KafkaBroker } from '../../kafka-broker.js';
import type { GroupCoordinator } from './group-coordinator.js';
import { GROUP_METADATA_TOPIC, type GroupMetadataManager } from './group-metadata-manager.js';
import type { TimerHandle } from '../../clock.js';

/**
 * The group coordinator's side of `__consumer_offsets` leadership (Kafka's onElection and
 * onResignation, with the GroupMetadataManager's loading partitions): a partition this broker
 * comes to lead has its groups and offsets loaded from its log, members getting a fresh
 * session; a partition it stops leading has its groups unloaded (waiting JoinGroup/SyncGroup
 * get NOT_COORDINATOR, so clients look for the new coordinator).
 *
 * A load runs at once, all in one turn of the event loop, unless fault injection
 * (`kafka.faults.delayCoordinatorLoad`) makes it take longer, as a large partition does in
 * Kafka. Until it has run the partition is loading: requests for its groups get
 * COORDINATOR_LOAD_IN_PROGRESS. Losing the leadership meanwhile cancels the load.
 */
export class GroupPartitionLoader {
  /** Partitions whose load is pending, with the timer that runs it. */
  private readonly pending = new Map<number, TimerHandle>();

  constructor(
    private readonly broker: KafkaBroker,
    private readonly coordinator: GroupCoordinator,
    private readonly groups: GroupMetadataManager,
  ) {}

  isLoading(partition: number): boolean {
    return this.pending.has(partition);
  }

  /** Whether any partition is loading (ListGroups reports it). */
  get isAnyLoading(): boolean {
    return this.pending.size > 0;
  }

  /** This broker now leads `partition`: what it held from an earlier leadership goes, then the log is loaded. */
  onElection(partition: number): void {
    this.onResignation(partition);
    const delayMs = this.broker.faults?.coordinatorLoadDelayMs(this.broker.nodeId, 'group') ?? 0;
    if (delayMs <= 0) return this.load(partition);
    this.broker.logger.info(`loading the groups of ${GROUP_METADATA_TOPIC}-${partition} in ${delayMs} ms`);
    const timer = this.broker.clock.setTimeout(() => {
      if (this.pending.get(partition) !== timer) return;
      this.pending.delete(partition);
      this.load(partition);
    }, delayMs);
    this.pending.set(partition, timer);
  }

  /** This broker no longer leads `partition`: a pending load is cancelled, loaded groups are unloaded. */
  onResignation(partition: number): void {
    const timer = this.pending.get(partition);
    if (timer) {
      this.broker.clock.clearTimeout(timer);
      this.pending.delete(partition);
      this.broker.logger.info(`cancelled the load of ${GROUP_METADATA_TOPIC}-${partition}`);
    }
    for (const group of this.groups.allGroups) {
      if (this.groups.partitionFor(group.groupId) !== partition) continue;
      this.coordinator.unload(group);
      this.groups.removeGroup(group.groupId);
    }
    // Open transactions' offsets too: the next load of the partition reads them from the log again.
    this.groups.pendingTxnOffsets.drop((groupId) => this.groups.partitionFor(groupId) === partition);
  }

  /** Cancels every pending load (the broker stops). */
  shutdown(): void {
    for (const timer of this.pending.values()) this.broker.clock.clearTimeout(timer);
    this.pending.clear();
  }

  private load(partition: number): void {
    const loaded = this.groups.load(partition);
    for (const group of loaded) {
      for (const member of group.members.values()) this.coordinator.scheduleHeartbeatExpiration(group, member);
    }
    // A topic deleted while the partition was loading (or had no leader) loses its offsets now.
    this.coordinator.offsets.removeOffsetsOfDeletedTopics(loaded);
    this.broker.logger.info(`loaded ${loaded.length} groups of ${GROUP_METADATA_TOPIC}-${partition}`);
  }
}
