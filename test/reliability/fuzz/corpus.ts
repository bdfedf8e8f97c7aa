/**
 * The fuzz corpus: request frames real clients sent to the broker, recorded by
 * `npm run fuzz:capture` (capture.ts) and committed as corpus/frames.json so that every fuzz
 * run, seeded, starts from the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CorpusFrame {
  /** Which client and scenario sent it, e.g. "kcat produce -z lz4". */
  readonly source: string;
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The request frame without its 4-byte size prefix. */
  readonly frame: Buffer;
}

interface StoredFrame {
  source: string;
  apiKey: number;
  apiVersion: number;
  base64: string;
}

/** The repository root, from the sources (test/reliability/fuzz) or the build (dist-reliability/...). */
export function repoRoot(from = import.meta.dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

export function corpusPath(): string {
  return join(repoRoot(), 'test', 'reliability', 'fuzz', 'corpus', 'frames.json');
}

export function loadCorpus(path = corpusPath()): CorpusFrame[] {
  const stored = JSON.parse(readFileSync(path, 'utf8')) as { frames: StoredFrame[] };
  return stored.frames.map((f) => ({ source: f.source, apiKey: f.apiKey, apiVersion: f.apiVersion, frame: Buffer.from(f.base64, 'base64') }));
}

export function saveCorpus(frames: readonly CorpusFrame[], path = corpusPath()): void {
  const stored: StoredFrame[] = frames.map((f) => ({ source: f.source, apiKey: f.apiKey, apiVersion: f.apiVersion, base64: f.frame.toString('base64') }));
  const note = 'Request frames of real clients, recorded by `npm run fuzz:capture`; see docs/reliability.md.';
  writeFileSync(path, `${JSON.stringify({ note, frames: stored }, null, 0).replaceAll('},{', '},\n{')}\n`);
}

/**
 * Drops repeats (the same bytes up to the correlation id) and keeps at most `perKind` frames
 * per source, API key and version, so that polling loops do not swamp the corpus.
 */
export function dedupe(frames: readonly CorpusFrame[], perKind = 8): CorpusFrame[] {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  const out: CorpusFrame[] = [];
  for (const f of frames) {
    if (f.frame.length < 8) continue;
    const normalized = Buffer.from(f.frame);
    normalized.writeInt32BE(0, 4);
    const hash = createHash('sha1').update(normalized).digest('hex');
    if (seen.has(hash)) continue;
    seen.add(hash);
    const kind = `${f.source}/${f.apiKey}/${f.apiVersion}`;
    const count = counts.get(kind) ?? 0;
    if (count >= perKind) continue;
    counts.set(kind, count + 1);
    out.push(f);
  }
  return out;
}
