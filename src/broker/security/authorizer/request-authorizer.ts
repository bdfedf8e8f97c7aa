import type { SecuritySession } from '../security-session.js';
import { CLUSTER_RESOURCE_NAME, supportedOperations } from './acl-binding.js';
import type { Requester, StandardAuthorizer } from './standard-authorizer.js';

/** What a check needs to know about a request: its connection's session and the client's address. */
export interface AuthorizationSubject {
  readonly session?: SecuritySession;
  /** host:port of the client. */
  readonly clientAddress: string;
}

/** KIP-430: the authorized-operations value of a response whose request did not ask for it. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * The handlers' one door to the authorizer: each check of a request reads as one call
 * (`deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, groupId)`). Without
 * authorizer.class.name everything is allowed, as in Kafka. Requests made in-process (no
 * connection, so no session) are the broker's own and always allowed.
 */
export class RequestAuthorizer {
  constructor(private readonly authorizer: StandardAuthorizer | null) {}

  /** Whether an authorizer is configured (the ACL APIs answer SECURITY_DISABLED when not). */
  get enabled(): boolean {
    return this.authorizer !== null;
  }

  /** Whether the request's principal may do `operation` on the resource (the cluster when no name is given). */
  allows(subject: AuthorizationSubject, operation: number, resourceType: number, resourceName: string = CLUSTER_RESOURCE_NAME): boolean {
    const requester = requesterOf(subject);
    return !this.authorizer || !requester || this.authorizer.authorize(requester, operation, resourceType, resourceName);
  }

  /** Whether the principal may do `operation` on some resource of the type (Kafka's authorizeByResourceType). */
  allowsAny(subject: AuthorizationSubject, operation: number, resourceType: number): boolean {
    const requester = requesterOf(subject);
    return !this.authorizer || !requester || this.authorizer.authorizeAny(requester, operation, resourceType);
  }

  /** KIP-430's bit set of the operations the principal may do on the resource. */
  authorizedOperations(subject: AuthorizationSubject, resourceType: number, resourceName: string = CLUSTER_RESOURCE_NAME): number {
    const requester = requesterOf(subject);
    if (!this.authorizer || !requester) return everyOperation(resourceType);
    return this.authorizer.authorizedOperations(requester, resourceType, resourceName);
  }
}

/** Without an authorizer every operation of the type is allowed. */
function everyOperation(resourceType: number): number {
  return supportedOperations(resourceType).reduce((bits, operation) => bits | (1 << operation), 0);
}

function requesterOf(subject: AuthorizationSubject): Requester | null {
  if (!subject.session) return null;
  return { principal: subject.session.principal, host: hostOf(subject.clientAddress) };
}

/** The IP address of `host:port` (`[::1]:port` and IPv4-mapped IPv6 addresses included), as Kafka's ACL hosts name it. */
export function hostOf(clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(':');
  const host = (colon < 0 ? clientAddress : clientAddress.slice(0, colon)).replace(/^\[|\]$/g, '');
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice('::ffff:'.length) : host;
}
