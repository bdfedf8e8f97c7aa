import { createRequire } from 'node:module';
import { CompressionError } from './compression-error.js';

const requireFromHere = createRequire(import.meta.url);

type LoadState<T> = { kind: 'unloaded' } | { kind: 'loaded'; module: T } | { kind: 'failed'; error: unknown };

/**
 * Loads a native (N-API) codec library on first use instead of at import time, so a platform
 * without a prebuilt binary for one codec can still use the others and import this package.
 * The failure is remembered: retrying a missing binary on every batch would only cost time.
 */
export function lazyNativeModule<T>(codec: string, specifier: string): () => T {
  let state: LoadState<T> = { kind: 'unloaded' };
  return () => {
    if (state.kind === 'unloaded') {
      try {
        state = { kind: 'loaded', module: requireFromHere(specifier) as T };
      } catch (error) {
        state = { kind: 'failed', error };
      }
    }
    if (state.kind === 'loaded') return state.module;
    throw new CompressionError(
      codec,
      `codec unavailable: native module "${specifier}" failed to load on ${process.platform}-${process.arch}`,
      { cause: state.error },
    );
  };
}
