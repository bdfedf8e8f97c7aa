import type { BrokerContext } from '../broker-context.js';
import type { ClusterMembership } from '../cluster/cluster-membership.js';
import type { Controller } from '../cluster/controller.js';
import type { MetadataRevisions, MetadataView } from '../cluster/metadata-view.js';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.js';
import type { GroupMetadataManager } from '../coordinator/group/group-metadata-manager.js';
import type { deleteGroups, describeGroup, listGroups } from '../coordinator/group/group-admin.js';
import type { OffsetMetadataManager } from '../coordinator/group/offset-metadata-manager.js';
import type { TransactionCoordinator } from '../coordinator/transaction/transaction-coordinator.js';
import type { TransactionVerification } from '../coordinator/transaction/transaction-verification.js';
import type { ReplicaAccess } from '../replica-access.js';
import type { RequestAuthorizer } from '../security/authorizer/request-authorizer.js';
import type { ApiVersionRange } from './18-api-versions.js';

/** The topic and config changes clients ask for, decided by the controller. */
export type ControllerApi = Pick<
  Controller,
  'autoCreateTopic' | 'createTopicInSlices' | 'deleteTopic' | 'createPartitions' | 'alterTopicConfigs' | 'alterBrokerConfigs' | 'electLeaders' | 'alterScramCredential' | 'alterClientQuota' | 'createAcls' | 'deleteAcls'
>;

/** The group coordinator's side of the group and offset APIs. */
export interface GroupCoordinatorApi extends Pick<GroupCoordinator, 'findCoordinator' | 'joinGroup' | 'syncGroup' | 'heartbeat' | 'leaveGroup' | 'validateGroupStatus'> {
  readonly offsets: Pick<OffsetMetadataManager, 'commitOffsets' | 'fetchOffsets' | 'deleteOffsets' | 'commitTransactionalOffsets'>;
  readonly groupManager: Pick<GroupMetadataManager, 'partitionFor'>;
}

/** DescribeGroups, ListGroups and DeleteGroups. */
export interface GroupAdminApi {
  describeGroup(groupId: string): ReturnType<typeof describeGroup>;
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ReturnType<typeof listGroups>;
  deleteGroups(groupIds: readonly string[]): ReturnType<typeof deleteGroups>;
}

/** The transaction coordinator's side of the transaction APIs, and the check of transactional writes. */
export interface TransactionCoordinatorApi
  extends Pick<
    TransactionCoordinator,
    | 'findCoordinator'
    | 'initProducerId'
    | 'addPartitionsToTransaction'
    | 'verifyPartitionsInTransaction'
    | 'addOffsetsToTransaction'
    | 'endTransaction'
    | 'describeTransactions'
    | 'listTransactions'
    | 'writeTxnMarkers'
  > {
  readonly verification: Pick<TransactionVerification, 'verifyThen'>;
}

/**
 * Everything the API handlers use, handed in by the composition root. Each handler factory
 * takes only the part it needs (a `Pick` of this), so a test builds a handler from fakes.
 */
export interface HandlerDeps {
  readonly context: BrokerContext;
  readonly metadata: MetadataView & MetadataRevisions;
  readonly membership: ClusterMembership;
  readonly replicas: ReplicaAccess;
  readonly controller: ControllerApi;
  readonly groups: GroupCoordinatorApi;
  readonly groupAdmin: GroupAdminApi;
  readonly transactions: TransactionCoordinatorApi;
  /** The API ranges this broker serves (ApiVersions). */
  readonly apiVersions: () => ApiVersionRange[];
  /** ACL checks: one call per check Kafka makes (allows everything without authorizer.class.name). */
  readonly auth: RequestAuthorizer;
}
