import { InvalidConfigError } from '../../config/invalid-config-error.js';

/** The class names of Kafka's authorizers; each selects this broker's StandardAuthorizer. */
export const KAFKA_AUTHORIZER_CLASSES: readonly string[] = [
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'kafka.security.authorizer.AclAuthorizer',
  'kafka.security.auth.SimpleAclAuthorizer',
];

export interface AuthorizerSettings {
  /** super.users: principals every check allows. */
  readonly superUsers: ReadonlySet<string>;
  /** allow.everyone.if.no.acl.found: the answer for a resource no ACL mentions. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/**
 * Reads authorizer.class.name, super.users and allow.everyone.if.no.acl.found. Null when no
 * authorizer is configured (every request is allowed and the ACL APIs answer SECURITY_DISABLED).
 */
export function authorizerSettings(value: (key: string) => string | undefined): AuthorizerSettings | null {
  const className = (value('authorizer.class.name') ?? '').trim();
  if (className === '') return null;
  if (!KAFKA_AUTHORIZER_CLASSES.includes(className)) {
    throw new InvalidConfigError(`Invalid value ${className} for configuration authorizer.class.name: the authorizer must be one of ${KAFKA_AUTHORIZER_CLASSES.join(', ')}`, 'authorizer.class.name', className);
  }
  const superUsers = (value('super.users') ?? '').split(';').map((p) => p.trim()).filter((p) => p !== '');
  for (const principal of superUsers) {
    if (!principal.includes(':')) throw new InvalidConfigError(`Invalid value ${principal} in configuration super.users: a principal is Type:name, e.g. User:admin`, 'super.users', principal);
  }
  const allowEveryone = (value('allow.everyone.if.no.acl.found') ?? 'false').trim().toLowerCase();
  if (allowEveryone !== 'true' && allowEveryone !== 'false') {
    throw new InvalidConfigError(`Invalid value ${allowEveryone} for configuration allow.everyone.if.no.acl.found: Expected value to be either true or false`, 'allow.everyone.if.no.acl.found', allowEveryone);
  }
  return { superUsers: new Set(superUsers), allowEveryoneIfNoAclFound: allowEveryone === 'true' };
}
