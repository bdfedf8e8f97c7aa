/**
 * What the transaction coordinator needs of the group coordinator (handed to it, never
 * reached through the broker): where a group's transactional offsets are written, and the
 * end of a transaction whose marker reached that `__consumer_offsets` partition.
 */
export interface GroupTxnOffsets {
  /**
   * The partition of `__consumer_offsets` that holds the group (AddOffsetsToTxn adds it to the
   * transaction); null while the topic cannot be created yet.
   */
  transactionalOffsetsPartition(groupId: string): number | null;
  /** A COMMIT or ABORT marker was written to partition `offsetsPartition`: the producer's pending offsets there are committed or dropped. */
  onTransactionCompleted(producerId: number, offsetsPartition: number, commit: boolean): void;
}
