import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { ProblemCollector } from './invalid-configuration-exception.js';
import type { PropertyValue, RawValue } from './property-source.js';
import { MapPropertySource } from './property-source.js';
import { canonicalSegment, isKafkaMapPath, splitKey } from './relaxed-names.js';

/**
 * Reads `streamwright.yml`/`.yaml`/`.json` (JSON is read by the YAML parser, which accepts it)
 * into canonical dotted keys, each with its file and line. Nested maps and dotted keys
 * (`consumer.group-id: x`) are equivalent; a list is one value (`bootstrap-servers: [a, b]`).
 * Syntax errors and unusable values become problems, not exceptions.
 */
export function loadConfigFile(path: string, displayName: string, problems: ProblemCollector): MapPropertySource {
  const entries = new Map<string, PropertyValue>();
  const lineCounter = new LineCounter();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.add({ key: displayName, origin: displayName, message: `cannot be read: ${(error as Error).message}` });
    return new MapPropertySource(displayName, entries);
  }
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [documents];
  const at = (offset: number | undefined) => `${displayName}:${offset === undefined ? 1 : lineCounter.linePos(offset).line}`;
  if (list.length > 1) {
    problems.add({ key: displayName, origin: at(list[1]!.range[0]), message: 'holds several YAML documents; put profile-specific properties in streamwright-<profile>.yml instead' });
  }
  const document = list[0];
  if (!document) return new MapPropertySource(displayName, entries);
  for (const error of document.errors) problems.add({ key: displayName, origin: at(error.pos[0]), message: `is not valid YAML: ${error.message.split('\n')[0]}` });
  if (document.errors.length > 0 || document.contents === null) return new MapPropertySource(displayName, entries);

  const visit = (node: Node, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const rawKey = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (rawKey === undefined || rawKey === '') {
          problems.add({ key: path.join('.') || '(root)', origin: at(keyNode?.range?.[0]), message: 'has a key that is not a plain name' });
          continue;
        }
        const childPath = [...path];
        if (isKafkaMapPath(childPath)) childPath.push(rawKey.startsWith('[') && rawKey.endsWith(']') ? rawKey.slice(1, -1) : rawKey);
        else for (const segment of splitKey(rawKey)) childPath.push(isKafkaMapPath(childPath) ? segment.replace(/^\[|\]$/g, '') : canonicalSegment(segment));
        const value = pair.value as Node | null;
        if (value === null) entries.set(childPath.join('.'), { value: null, origin: at(keyNode?.range?.[0]) });
        else if (isMap(value)) visit(value, childPath);
        else entries.set(childPath.join('.'), { value: rawOf(value, childPath.join('.'), at, problems), origin: at(keyNode?.range?.[0]) });
      }
    } else {
      problems.add({ key: path.join('.') || '(root)', origin: at(node.range?.[0]), message: 'must be a map of properties' });
    }
  };
  visit(document.contents as Node, []);
  return new MapPropertySource(displayName, entries);
}

function rawOf(node: Node, key: string, at: (offset: number | undefined) => string, problems: ProblemCollector): RawValue {
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    return String(value);
  }
  if (isSeq(node)) return node.items.map((item) => rawOf(item as Node, key, at, problems));
  problems.add({ key, origin: at(node.range?.[0]), message: 'must be a value or a list of values' });
  return null;
}
