/** What the crash soak's producers write, and what they were told was stored. */

/** A record the broker acknowledged: its value and the offset the acknowledgement named. */
export interface AckedRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** A record as read back from the log. */
export interface StoredRecord {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/**
 * Every value is `<producer>-p<partition>-<sequence>`: unique across the soak, so a duplicate or
 * a loss is visible, and ordered per producer and partition, so a reordering is too.
 */
export function recordValue(producer: string, partition: number, sequence: number): string {
  return `${producer}-p${partition}-${sequence}`;
}

export function parseRecordValue(value: string): { producer: string; partition: number; sequence: number } | undefined {
  const match = /^(.+)-p(\d+)-(\d+)$/.exec(value);
  if (!match) return undefined;
  return { producer: match[1]!, partition: Number(match[2]), sequence: Number(match[3]) };
}
