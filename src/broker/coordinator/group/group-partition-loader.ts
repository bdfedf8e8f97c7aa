import type { BrokerLogger } from '../../logger.js';
import type { CoordinatorShard } from '../runtime/coordinator-topic.js';
import type { ClassicGroup } from './classic-group.js';
import { GROUP_METADATA_TOPIC, type GroupMetadataManager } from './group-metadata-manager.js';
import type { MemberMetadata } from './member-metadata.js';

/** What loading and unloading a partition does to the coordinator's groups. */
export interface LoadedGroupsOwner {
  /** A loaded member gets a fresh session. */
  scheduleHeartbeatExpiration(group: ClassicGroup, member: MemberMetadata): void;
  /** Stops a group's timers and answers its waiting requests. */
  unload(group: ClassicGroup): void;
  /** A topic deleted while the partition was loading (or had no leader) loses its offsets now. */
  removeOffsetsOfDeletedTopics(groups: readonly ClassicGroup[]): void;
}

/**
 * The group coordinator's shard of `__consumer_offsets` (Kafka's onElection and onResignation
 * with the GroupMetadataManager's loading): a partition this broker comes to lead has its
 * groups and offsets loaded from its log, members getting a fresh session; a partition it
 * stops leading has its groups unloaded (waiting JoinGroup/SyncGroup get NOT_COORDINATOR, so
 * clients look for the new coordinator). When each runs is the coordinator runtime's call.
 */
export class GroupPartitionLoader implements CoordinatorShard {
  constructor(
    private readonly logger: BrokerLogger,
    private readonly owner: LoadedGroupsOwner,
    private readonly groups: GroupMetadataManager,
  ) {}

  load(partition: number): void {
    const loaded = this.groups.load(partition);
    for (const group of loaded) {
      for (const member of group.members.values()) this.owner.scheduleHeartbeatExpiration(group, member);
    }
    this.owner.removeOffsetsOfDeletedTopics(loaded);
    this.logger.info(`loaded ${loaded.length} groups of ${GROUP_METADATA_TOPIC}-${partition}`);
  }

  unload(partition: number): void {
    for (const group of this.groups.allGroups) {
      if (this.groups.partitionFor(group.groupId) !== partition) continue;
      this.owner.unload(group);
      this.groups.removeGroup(group.groupId);
    }
    // Open transactions' offsets too: the next load of the partition reads them from the log again.
    this.groups.pendingTxnOffsets.drop((groupId) => this.groups.partitionFor(groupId) === partition);
  }
}
