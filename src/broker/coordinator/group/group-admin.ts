import { ErrorCode } from '../../../protocol/error-codes.js';
import type { GroupSummary, GroupState } from './classic-group.js';
import type { GroupCoordinator } from './group-coordinator.js';

/** What DescribeGroups reports for a group the coordinator does not know. */
const DEAD_GROUP: GroupSummary = { state: 'Dead', protocolType: '', protocolName: '', members: [] };
/** ... and for one it cannot serve (state "" as Kafka's EmptyGroup). */
const NO_GROUP = { state: '', protocolType: '', protocolName: '', members: [] } as const;

/** The group type ListGroups v5 reports for every group here (KIP-848 groups are not supported). */
export const CLASSIC_GROUP_TYPE = 'classic';

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: GroupState;
  groupType: string;
}

// DescribeGroups, ListGroups and DeleteGroups: the administrative side of the coordinator.

export function describeGroup(coordinator: GroupCoordinator, groupId: string): { errorCode: number; summary: GroupSummary | typeof NO_GROUP } {
  const error = coordinator.validateGroupStatus(groupId, false);
  if (error !== null) return { errorCode: error, summary: NO_GROUP };
  const group = coordinator.group(groupId);
  return { errorCode: ErrorCode.NONE, summary: group ? group.summary() : DEAD_GROUP };
}

/**
 * The groups of this coordinator, optionally filtered by state and type (both
 * case-insensitive), with ListGroups' top-level error (COORDINATOR_LOAD_IN_PROGRESS while a
 * partition loads: the groups listed are those loaded so far).
 */
export function listGroups(coordinator: GroupCoordinator, statesFilter: readonly string[], typesFilter: readonly string[]): { errorCode: number; groups: ListedGroup[] } {
  const errorCode = coordinator.listGroupsError();
  if (errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE) return { errorCode, groups: [] };
  const states = new Set(statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(typesFilter.map((t) => t.toLowerCase()));
  if (types.size > 0 && !types.has(CLASSIC_GROUP_TYPE)) return { errorCode, groups: [] };
  const groups = coordinator.groupManager.allGroups
    .filter((g) => !g.is('Dead') && (states.size === 0 || states.has(g.state.toLowerCase())))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, groupType: CLASSIC_GROUP_TYPE }));
  return { errorCode, groups };
}

/** Deletes Empty groups with their offsets (tombstones); groups with members are NON_EMPTY_GROUP. */
export function deleteGroups(coordinator: GroupCoordinator, groupIds: readonly string[]): Array<{ groupId: string; errorCode: number }> {
  return groupIds.map((groupId) => {
    const error = coordinator.validateGroupStatus(groupId, false);
    if (error !== null) return { groupId, errorCode: error };
    const group = coordinator.group(groupId);
    if (!group || group.is('Dead')) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND };
    if (!group.is('Empty')) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP };
    const removed = [...group.offsets.values()];
    group.offsets.clear();
    coordinator.offsets.cleanupGroupMetadata(group, removed);
    return { groupId, errorCode: ErrorCode.NONE };
  });
}
