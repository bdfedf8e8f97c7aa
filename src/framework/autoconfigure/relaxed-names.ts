/**
 * Spring Boot's relaxed binding: `group-id`, `groupId` and `group_id` name the same property;
 * the canonical form is lower-case kebab. Segments of map properties (`properties.*`, Kafka's
 * own dotted names) are kept as they are, since they name Kafka configs.
 */

/** The prefix under which the framework's Kafka properties live. */
export const KAFKA_PREFIX = 'streamwright.kafka.';

/** `groupId`, `group_id`, `GROUP-ID` → `group-id`. A bracketed segment (`[session.timeout.ms]`) is kept verbatim. */
export function canonicalSegment(segment: string): string {
  if (segment.startsWith('[') && segment.endsWith(']')) return segment.slice(1, -1);
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

/** Whether the key path (canonical segments so far) ends in a map whose keys are Kafka property names. */
export function isKafkaMapPath(path: readonly string[]): boolean {
  const joined = path.join('.');
  if (!joined.startsWith('streamwright.kafka')) return false;
  const last = path[path.length - 1];
  return last === 'properties' || (path.length >= 2 && path[path.length - 2] === 'jaas' && last === 'options');
}

/** A dotted key in canonical form (`streamwright.kafka.consumer.groupId` → `…consumer.group-id`; map keys kept). */
export function canonicalKey(key: string): string {
  const out: string[] = [];
  const segments = splitKey(key);
  for (let i = 0; i < segments.length; i++) {
    if (isKafkaMapPath(out)) {
      // Everything after a map segment is one map key (a Kafka name such as session.timeout.ms).
      out.push(segments.slice(i).map((s) => (s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s)).join('.'));
      break;
    }
    out.push(canonicalSegment(segments[i]!));
  }
  return out.join('.');
}

/** Splits on dots outside brackets: `a.[b.c].d` → `a`, `[b.c]`, `d`. */
export function splitKey(key: string): string[] {
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  for (const ch of key) {
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === '.' && depth === 0) {
      segments.push(current);
      current = '';
    } else current += ch;
  }
  segments.push(current);
  return segments.filter((s) => s.length > 0);
}

/**
 * The environment variable names that bind a canonical key, Spring Boot's way: dots become
 * `_`, dashes are dropped (`STREAMWRIGHT_KAFKA_CONSUMER_GROUPID`) or, as Spring's environment
 * lookup also accepts, become `_` (`STREAMWRIGHT_KAFKA_CONSUMER_GROUP_ID`); upper case.
 */
export function environmentNamesOf(key: string): string[] {
  const upper = key.toUpperCase().replace(/\./g, '_');
  return [...new Set([upper.replace(/-/g, ''), upper.replace(/-/g, '_')])];
}
