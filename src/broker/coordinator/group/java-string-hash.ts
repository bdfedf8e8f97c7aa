/**
 * Java's String.hashCode over UTF-16 code units (s[0]*31^(n-1) + ... + s[n-1], int32
 * overflow). Kafka places a group or transactional id on an internal-topic partition with it.
 */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

/** Kafka's Utils.abs-free placement: `(hashCode & 0x7fffffff) % partitions`. */
export function partitionForKey(key: string, partitions: number): number {
  return (javaStringHashCode(key) & 0x7fffffff) % partitions;
}
