import type * as OpenTelemetryApi from '@opentelemetry/api';

/** The `@opentelemetry/api` module: an optional peer dependency, loaded only when tracing is wanted. */
export type OpenTelemetry = typeof OpenTelemetryApi;

/**
 * Imports `@opentelemetry/api` if it is installed; undefined when it is not, so that an
 * application without it runs unchanged. Any other failure (a broken install) is thrown.
 */
export async function loadOpenTelemetry(): Promise<OpenTelemetry | undefined> {
  try {
    return await import('@opentelemetry/api');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}
