/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/**
 * Hands out producer ids (Kafka's ProducerIdManager): blocks of 1000 come from the
 * controller, which persists each block before handing it out (AllocateProducerIds; here a
 * call into the cluster metadata), so ids stay unique across restarts. Ids left in a block
 * when the broker stops are never used.
 */
export class ProducerIdManager {
  private next = 0;
  private end = 0;

  constructor(private readonly allocateBlock: (size: number) => number) {}

  generateProducerId(): number {
    if (this.next >= this.end) {
      this.next = this.allocateBlock(PRODUCER_ID_BLOCK_SIZE);
      this.end = this.next + PRODUCER_ID_BLOCK_SIZE;
    }
    return this.next++;
  }
}
