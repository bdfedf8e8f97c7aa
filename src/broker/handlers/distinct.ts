/**
 * The first occurrence of each key, in request order. APIs whose answer to one entry can be
 * far larger than the entry (a topic's partitions, a group's members, a resource's configs)
 * answer each distinct entry once, as Kafka's Metadata does: otherwise one request repeating
 * a name would make the broker build a response thousands of times its own size.
 */
export function distinctBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}
