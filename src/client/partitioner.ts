// Kafka's default partitioning: keyed records go to toPositive(murmur2(key)) % partitions (so
// a key lands on the same partition as with the Java client); records without a key stick to
// one partition until its batch is sent (KIP-480/794's sticky partitioner, simplified).

/** Kafka's `Utils.murmur2` (seed 0x9747b28c), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  switch (length & 3) {
    case 3:
      h ^= data[tail + 2]! << 16;
    // falls through
    case 2:
      h ^= data[tail + 1]! << 8;
    // falls through
    case 1:
      h ^= data[tail]!;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}

/** Sticky choice for records without a key: one partition until {@link next} is called. */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();

  partition(topic: string, partitionCount: number): number {
    let partition = this.current.get(topic);
    if (partition === undefined || partition >= partitionCount) {
      partition = Math.floor(Math.random() * partitionCount);
      this.current.set(topic, partition);
    }
    return partition;
  }

  /** A batch for `partition` was sent: the next keyless record picks another partition. */
  next(topic: string, partition: number, partitionCount: number): void {
    if (this.current.get(topic) !== partition || partitionCount <= 1) return;
    const other = Math.floor(Math.random() * (partitionCount - 1));
    this.current.set(topic, other >= partition ? other + 1 : other);
  }
}
