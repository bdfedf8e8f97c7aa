import { describe, expect, it } from 'vitest';
import { AclOperation, AclPermissionType, PatternType, ResourceType, invalidAclReason, type AclBinding } from '../../../src/broker/security/authorizer/acl-binding.js';
import { filterMatches } from '../../../src/broker/security/authorizer/acl-filter.js';
import { authorizerSettings } from '../../../src/broker/security/authorizer/authorizer-config.js';
import { hostOf } from '../../../src/broker/security/authorizer/request-authorizer.js';
import { StandardAuthorizer } from '../../../src/broker/security/authorizer/standard-authorizer.js';

// Kafka's StandardAuthorizer rules, one by one (the wire behaviour is in
// test/broker/security/acl-authorization.test.ts).

const alice = { principal: 'User:alice', host: '10.0.0.1' };
const topic = (name: string, operation: number, extra: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: ResourceType.TOPIC, resourceName: name, patternType: PatternType.LITERAL, principal: 'User:alice', host: '*', operation, permissionType: AclPermissionType.ALLOW, ...extra,
});
const authorizer = (acls: AclBinding[], config: Record<string, string> = {}) =>
  new StandardAuthorizer(authorizerSettings((key) => ({ 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', ...config })[key])!, { acls: () => acls });

describe('StandardAuthorizer', () => {
  it('READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; nothing else is implied', () => {
    for (const granted of [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]) {
      expect(authorizer([topic('t', granted)]).authorize(alice, AclOperation.DESCRIBE, ResourceType.TOPIC, 't')).toBe(true);
    }
    expect(authorizer([topic('t', AclOperation.ALTER_CONFIGS)]).authorize(alice, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, 't')).toBe(true);
    expect(authorizer([topic('t', AclOperation.DESCRIBE)]).authorize(alice, AclOperation.READ, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorizer([topic('t', AclOperation.CREATE)]).authorize(alice, AclOperation.DESCRIBE, ResourceType.TOPIC, 't')).toBe(false);
  });

  it('a DENY wins over any ALLOW, but covers only its own operation (or ALL)', () => {
    const acls = [topic('t', AclOperation.ALL), topic('t', AclOperation.READ, { permissionType: AclPermissionType.DENY })];
    expect(authorizer(acls).authorize(alice, AclOperation.READ, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorizer(acls).authorize(alice, AclOperation.DESCRIBE, ResourceType.TOPIC, 't')).toBe(true);
  });

  it('LITERAL, LITERAL * and PREFIXED patterns; User:* and hosts', () => {
    expect(authorizer([topic('orders-', AclOperation.WRITE, { patternType: PatternType.PREFIXED })]).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 'orders-eu')).toBe(true);
    expect(authorizer([topic('orders-', AclOperation.WRITE, { patternType: PatternType.PREFIXED })]).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 'order')).toBe(false);
    expect(authorizer([topic('*', AclOperation.WRITE, { principal: 'User:*' })]).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 'any')).toBe(true);
    expect(authorizer([topic('t', AclOperation.WRITE, { host: '10.0.0.2' })]).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorizer([topic('t', AclOperation.WRITE, { host: '10.0.0.1' })]).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 't')).toBe(true);
  });

  it('allow.everyone.if.no.acl.found applies only to resources no ACL mentions; super.users bypass', () => {
    const everyone = { 'allow.everyone.if.no.acl.found': 'true' };
    expect(authorizer([], everyone).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 't')).toBe(true);
    expect(authorizer([topic('t', AclOperation.READ, { principal: 'User:bob' })], everyone).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorizer([]).authorize(alice, AclOperation.WRITE, ResourceType.TOPIC, 't')).toBe(false);
    expect(authorizer([], { 'super.users': 'User:bob;User:alice' }).authorize(alice, AclOperation.ALTER, ResourceType.CLUSTER, 'kafka-cluster')).toBe(true);
  });

  it('authorized operations are the bit set of the allowed operations of the type (KIP-430)', () => {
    expect(authorizer([topic('t', AclOperation.ALL)]).authorizedOperations(alice, ResourceType.TOPIC, 't')).toBe(3576);
    expect(authorizer([topic('t', AclOperation.READ)]).authorizedOperations(alice, ResourceType.TOPIC, 't')).toBe((1 << AclOperation.READ) | (1 << AclOperation.DESCRIBE));
  });

  it('filters: ANY is the exact name with any pattern type, MATCH every pattern that applies', () => {
    const prefixed = topic('orders-', AclOperation.READ, { patternType: PatternType.PREFIXED });
    const base = { resourceTypeFilter: ResourceType.TOPIC, principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY };
    expect(filterMatches({ ...base, resourceNameFilter: 'orders-eu', patternTypeFilter: PatternType.MATCH }, prefixed)).toBe(true);
    expect(filterMatches({ ...base, resourceNameFilter: 'orders-eu', patternTypeFilter: PatternType.ANY }, prefixed)).toBe(false);
    expect(filterMatches({ ...base, resourceNameFilter: 'orders-', patternTypeFilter: PatternType.ANY }, prefixed)).toBe(true);
  });

  it('new ACLs are validated as Kafka does; a bad authorizer config names its key', () => {
    expect(invalidAclReason(topic('', AclOperation.READ))).toBe('Resource name should not be empty');
    expect(invalidAclReason({ ...topic('x', AclOperation.READ), resourceType: ResourceType.CLUSTER })).toBe('The only valid name for the CLUSTER resource is kafka-cluster');
    expect(invalidAclReason(topic('x', AclOperation.ANY))).toBe('Invalid operation ANY');
    expect(() => authorizerSettings((key) => ({ 'authorizer.class.name': 'com.example.Custom' })[key])).toThrow(/authorizer\.class\.name/);
    expect(hostOf('::ffff:127.0.0.1:5000')).toBe('127.0.0.1');
    expect(hostOf('[::1]:5000')).toBe('::1');
  });
});
