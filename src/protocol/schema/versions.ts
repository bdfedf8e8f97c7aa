/** Kafka's version-range notation: "3+", "0-2", "5", "none". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

const NONE: VersionRange = { min: 1, max: 0 };
const cache = new Map<string, VersionRange>();

export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none') return NONE;
  let range = cache.get(text);
  if (range) return range;
  if (text.endsWith('+')) range = { min: Number(text.slice(0, -1)), max: 0x7fff };
  else if (text.includes('-')) {
    const [min, max] = text.split('-').map(Number) as [number, number];
    range = { min, max };
  } else range = { min: Number(text), max: Number(text) };
  if (!Number.isInteger(range.min) || !Number.isInteger(range.max)) throw new Error(`bad version range "${text}"`);
  cache.set(text, range);
  return range;
}

export function inRange(text: string | undefined, version: number): boolean {
  const range = parseVersions(text);
  return version >= range.min && version <= range.max;
}
