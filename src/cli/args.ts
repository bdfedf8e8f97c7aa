// Flag parsing for the subcommands, on node:util's parseArgs. Kafka's tools take
// `--flag value` (and we also accept `--flag=value`); repeated flags such as --config and
// --property collect into lists.
import { parseArgs } from 'node:util';

/** A bad command line: main prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

type FlagValues<S extends FlagSpec> = {
  [K in keyof S]?: S[K]['type'] extends 'boolean' ? (S[K]['multiple'] extends true ? boolean[] : boolean) : S[K]['multiple'] extends true ? string[] : string;
};

/** Parses flags strictly (unknown flags and positionals are usage errors). */
export function parseFlags<S extends FlagSpec>(args: readonly string[], spec: S): FlagValues<S> {
  try {
    const { values } = parseArgs({ args: [...args], options: spec, strict: true, allowPositionals: false });
    return values as FlagValues<S>;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message.split('\n')[0]!);
    throw error;
  }
}

/** An integer flag within [min, max]; undefined when absent. */
export function intFlag(value: string | undefined, flag: string, min = -(2 ** 31), max = 2 ** 31 - 1): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(n)) throw new UsageError(`--${flag} must be an integer, got "${value}"`);
  if (n < min || n > max) throw new UsageError(`--${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** `key=value` pairs (split at the first '='), as given with --config or --property. */
export function keyValues(list: readonly string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of list ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} expects key=value, got "${entry}"`);
    out.set(entry.slice(0, eq).trim(), entry.slice(eq + 1));
  }
  return out;
}

/** Kafka's tools read booleans in properties as "true" (any case) or anything else. */
export function boolProperty(properties: ReadonlyMap<string, string>, name: string, fallback: boolean): boolean {
  const value = properties.get(name);
  return value === undefined ? fallback : value.trim().toLowerCase() === 'true';
}

/** The one action flag of a tool that takes exactly one (`--list`, `--describe`, ...), as Kafka's tools do. */
export function exactlyOneAction<A extends string>(flags: Partial<Record<A, unknown>>, actions: readonly A[]): A {
  const given = actions.filter((a) => flags[a]);
  if (given.length !== 1) throw new UsageError(`exactly one of --${actions.join(', --')} is required`);
  return given[0]!;
}
