// `streamwright acls`: kafka-acls.sh (CreateAcls / DescribeAcls / DeleteAcls) against any Kafka broker.
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, AclPermissionType, CLUSTER_RESOURCE_NAME, PatternType, ResourceType, enumName, type AclBinding } from '../../broker/security/authorizer/acl-binding.js';
import type { AclBindingFilter } from '../../broker/security/authorizer/acl-filter.js';
import { exactlyOneAction, parseFlags, UsageError } from '../args.js';
import { clientSecurity } from '../command-config.js';
import { writeOut, withClusterClient, type Command } from '../command.js';

const USAGE = `usage: streamwright acls --bootstrap-server HOST:PORT ACTION [options]

Adds, lists and removes ACLs, like Kafka's kafka-acls.sh.

actions (exactly one):
  --add                        the ACLs given by the principals, hosts, operations and resources
  --list                       the ACLs of the resources (every ACL without one)
  --remove                     the ACLs matching the options (every ACL of the resources without principals)

options:
  --bootstrap-server S         host:port of a broker; required
  --command-config FILE        client properties: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.location
  --topic T, --group G, --transactional-id T, --cluster
                               the resources (repeatable; --topic '*' is every topic)
  --resource-pattern-type P    literal (default), prefixed; also any and match for --list and --remove
  --allow-principal P          e.g. User:alice (repeatable)
  --deny-principal P           repeatable
  --principal P                --list: only the ACLs of this principal
  --allow-host H, --deny-host H  default *
  --operation O                Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs,
                               AlterConfigs, IdempotentWrite, All (repeatable; default All)
  --force                      accepted for compatibility (nothing is asked)
  --help                       print this help
`;

/** `DescribeConfigs` / `describe-configs` / `DESCRIBE_CONFIGS` → AclOperation code. */
function operationCode(name: string): number {
  const normalized = name.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
  const code = (AclOperation as Record<string, number>)[normalized];
  if (code === undefined || code <= AclOperation.ANY) throw new UsageError(`unknown operation ${name}`);
  return code;
}

function patternCode(name: string, forFilter: boolean): number {
  const code = (PatternType as Record<string, number>)[name.toUpperCase()];
  const allowed = forFilter ? [PatternType.LITERAL, PatternType.PREFIXED, PatternType.ANY, PatternType.MATCH] : [PatternType.LITERAL, PatternType.PREFIXED];
  if (code === undefined || !(allowed as number[]).includes(code)) throw new UsageError(`--resource-pattern-type ${name} is not valid here (use ${allowed.map((c) => enumName(PatternType, c).toLowerCase()).join(', ')})`);
  return code;
}

interface Resource {
  resourceType: number;
  resourceName: string;
}

const describeResource = (type: number, name: string, pattern: number) => `ResourcePattern(resourceType=${enumName(ResourceType, type)}, name=${name}, patternType=${enumName(PatternType, pattern)})`;
const describeEntry = (a: { principal: string; host: string; operation: number; permissionType: number }) =>
  `(principal=${a.principal}, host=${a.host}, operation=${enumName(AclOperation, a.operation)}, permissionType=${enumName(AclPermissionType, a.permissionType)})`;

async function run(args: readonly string[]): Promise<number> {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    'command-config': { type: 'string' },
    add: { type: 'boolean' },
    list: { type: 'boolean' },
    remove: { type: 'boolean' },
    topic: { type: 'string', multiple: true },
    group: { type: 'string', multiple: true },
    'transactional-id': { type: 'string', multiple: true },
    cluster: { type: 'boolean' },
    'resource-pattern-type': { type: 'string' },
    'allow-principal': { type: 'string', multiple: true },
    'deny-principal': { type: 'string', multiple: true },
    principal: { type: 'string', multiple: true },
    'allow-host': { type: 'string', multiple: true },
    'deny-host': { type: 'string', multiple: true },
    operation: { type: 'string', multiple: true },
    force: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    await writeOut(USAGE);
    return 0;
  }
  const action = exactlyOneAction(flags, ['add', 'list', 'remove'] as const);
  const bootstrap = flags['bootstrap-server'];
  if (!bootstrap) throw new UsageError('--bootstrap-server is required');
  const resources: Resource[] = [
    ...(flags.topic ?? []).map((resourceName) => ({ resourceType: ResourceType.TOPIC as number, resourceName })),
    ...(flags.group ?? []).map((resourceName) => ({ resourceType: ResourceType.GROUP as number, resourceName })),
    ...(flags['transactional-id'] ?? []).map((resourceName) => ({ resourceType: ResourceType.TRANSACTIONAL_ID as number, resourceName })),
    ...(flags.cluster ? [{ resourceType: ResourceType.CLUSTER as number, resourceName: CLUSTER_RESOURCE_NAME }] : []),
  ];
  const pattern = patternCode(flags['resource-pattern-type'] ?? 'literal', action !== 'add');
  const operations = (flags.operation ?? ['All']).map(operationCode);
  const entries = [
    ...(flags['allow-principal'] ?? []).flatMap((principal) => (flags['allow-host'] ?? ['*']).map((host) => ({ principal, host, permissionType: AclPermissionType.ALLOW as number }))),
    ...(flags['deny-principal'] ?? []).flatMap((principal) => (flags['deny-host'] ?? ['*']).map((host) => ({ principal, host, permissionType: AclPermissionType.DENY as number }))),
  ];
  if (action === 'add' && (resources.length === 0 || entries.length === 0)) throw new UsageError('--add needs a resource (--topic, --group, --transactional-id or --cluster) and --allow-principal or --deny-principal');
  if (action === 'remove' && resources.length === 0) throw new UsageError('--remove needs a resource (--topic, --group, --transactional-id or --cluster)');
  const security = clientSecurity(flags['command-config']);

  return withClusterClient(bootstrap, 'streamwright-acls', 'Error while executing ACL command: ', async (client) => {
    const connection = await client.anyConnection();
    const list = async (filter: AclBindingFilter) => {
      const response = await connection.request(ApiKeys.DescribeAcls, 1, filter);
      if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, response.errorMessage ?? 'DescribeAcls');
      return response.resources;
    };
    const printCurrent = async (resource: Resource, patternType: number) => {
      const found = await list({ resourceTypeFilter: resource.resourceType, resourceNameFilter: resource.resourceName, patternTypeFilter: patternType, principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY });
      for (const r of found) await writeOut(`Current ACLs for resource \`${describeResource(r.resourceType, r.resourceName, r.patternType)}\`: \n${r.acls.map((a) => ` \t${describeEntry(a)} \n`).join('')}\n`);
    };

    if (action === 'add') {
      for (const resource of resources) {
        const bindings: AclBinding[] = entries.flatMap((e) => operations.map((operation) => ({ ...resource, patternType: pattern, ...e, operation })));
        await writeOut(`Adding ACLs for resource \`${describeResource(resource.resourceType, resource.resourceName, pattern)}\`: \n${bindings.map((b) => ` \t${describeEntry(b)} \n`).join('')}\n`);
        const response = await connection.request(ApiKeys.CreateAcls, 1, {
          creations: bindings.map((b) => ({ resourceType: b.resourceType, resourceName: b.resourceName, resourcePatternType: b.patternType, principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType })),
        });
        const failed = response.results.find((r) => r.errorCode !== ErrorCode.NONE);
        if (failed) throw new KafkaProtocolError(failed.errorCode, failed.errorMessage ?? 'CreateAcls');
        await printCurrent(resource, pattern);
      }
      return 0;
    }
    if (action === 'remove') {
      for (const resource of resources) {
        const base = { resourceTypeFilter: resource.resourceType, resourceNameFilter: resource.resourceName, patternTypeFilter: pattern };
        const filters: AclBindingFilter[] = entries.length === 0
          ? [{ ...base, principalFilter: null, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY }]
          : entries.flatMap((e) => operations.map((operation) => ({ ...base, principalFilter: e.principal, hostFilter: e.host, operation, permissionType: e.permissionType })));
        const response = await connection.request(ApiKeys.DeleteAcls, 1, { filters });
        const failed = response.filterResults.find((r) => r.errorCode !== ErrorCode.NONE);
        if (failed) throw new KafkaProtocolError(failed.errorCode, failed.errorMessage ?? 'DeleteAcls');
        await printCurrent(resource, pattern);
      }
      return 0;
    }
    const principals = flags.principal ?? [null];
    const wanted = resources.length > 0 ? resources.map((r) => ({ resourceTypeFilter: r.resourceType, resourceNameFilter: r.resourceName as string | null, patternTypeFilter: pattern })) : [{ resourceTypeFilter: ResourceType.ANY as number, resourceNameFilter: null, patternTypeFilter: PatternType.ANY as number }];
    for (const resource of wanted) {
      for (const principalFilter of principals) {
        for (const r of await list({ ...resource, principalFilter, hostFilter: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY })) {
          await writeOut(`Current ACLs for resource \`${describeResource(r.resourceType, r.resourceName, r.patternType)}\`: \n${r.acls.map((a) => ` \t${describeEntry(a)} \n`).join('')}\n`);
        }
      }
    }
    return 0;
  }, security);
}

export const aclsCommand: Command = { name: 'acls', summary: 'add, list and remove ACLs', usage: USAGE, run };
