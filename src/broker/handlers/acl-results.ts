import { ErrorCode } from '../../protocol/error-codes.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { AuthorizationSubject, RequestAuthorizer } from '../security/authorizer/request-authorizer.js';

/** Kafka's AclApis: what the three ACL APIs answer before they look at the request. */
export type AclApiRefusal = { errorCode: number; errorMessage: string } | null;

/**
 * SECURITY_DISABLED without an authorizer; CLUSTER_AUTHORIZATION_FAILED unless the principal
 * has `operation` (DESCRIBE for DescribeAcls, ALTER for Create/DeleteAcls) on the cluster.
 */
export function refuseAclApi(auth: RequestAuthorizer, subject: AuthorizationSubject, operation: number): AclApiRefusal {
  if (!auth.enabled) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker' };
  if (!auth.allows(subject, operation, ResourceType.CLUSTER)) {
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: `Cluster authorization failed: ${operation === AclOperation.DESCRIBE ? 'DESCRIBE' : 'ALTER'} on the cluster is needed` };
  }
  return null;
}
