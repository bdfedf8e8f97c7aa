import kafkajs, { type PartitionAssigner } from 'kafkajs';
import type { Logger } from '../support/logger.js';

// Node's ESM loader only sees some of kafkajs' CommonJS exports by name; this one comes from the default export.
const { AssignerProtocol } = kafkajs;

/**
 * kafkajs has no manual `assign()`. In a group of one (a reply group per application
 * instance), this assigner gives that member exactly one partition of the reply topic, which
 * is manual assignment in effect: the instance's replies go to its own partition
 * (`kafka_replyPartition`) and nobody else reads it. Should a second member join the same
 * group by mistake, it gets nothing and an error is logged.
 */
export function pinnedPartitionAssigner(topic: string, partition: number, logger: Logger): PartitionAssigner {
  const name = 'StreamwrightPinnedReplyPartition';
  const version = 0;
  return () => ({
    name,
    version,
    async assign({ members }) {
      const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
      if (sorted.length > 1) {
        logger.error(`Reply group for ${topic}-${partition} has ${sorted.length} members; only ${sorted[0]!.memberId} receives replies. Give each application instance its own reply group.`);
      }
      return sorted.map((member, index) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version, assignment: index === 0 ? { [topic]: [partition] } : {}, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
