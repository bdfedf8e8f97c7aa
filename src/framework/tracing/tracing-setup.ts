import type { TemplateObserver } from '../core/template-observer.js';
import type { ListenerWrapper } from '../listener/listener-observer.js';
import type { Logger } from '../support/logger.js';
import { isKafkaJsInstrumented } from './kafkajs-instrumentation.js';
import { KafkaTracing } from './kafka-tracing.js';
import { loadOpenTelemetry, type OpenTelemetry } from './open-telemetry-api.js';
import { tracingBatchScopes } from './tracing-batch-scope.js';
import { tracingRecordScopes } from './tracing-record-scope.js';
import { TracingTemplateObserver } from './tracing-template-observer.js';

/**
 * Which sides trace: `true`/`false` for both, or per side. A side left unset follows
 * `streamwright.kafka.template.observation-enabled` / `listener.observation-enabled`, and
 * else is on when `@opentelemetry/api` is installed and `@opentelemetry/instrumentation-kafkajs`
 * is not active.
 */
export type TracingOption = boolean | { template?: boolean; listener?: boolean };

/** What tracing adds to an application: an observer for its templates, and for its containers record and batch scopes. */
export interface TracingHooks {
  readonly tracing: KafkaTracing | undefined;
  readonly templateObserver: TemplateObserver | undefined;
  readonly listenerWrapper: ListenerWrapper | undefined;
}

const NONE: TracingHooks = { tracing: undefined, templateObserver: undefined, listenerWrapper: undefined };

/**
 * Resolves the tracing settings (code option over properties over the default) and, when a
 * side is on, loads `@opentelemetry/api`. `load` is the API import (replaceable in tests).
 */
export async function setUpTracing(
  option: TracingOption | undefined,
  properties: { template?: boolean; listener?: boolean },
  logger: Logger,
  load: () => Promise<OpenTelemetry | undefined> = loadOpenTelemetry,
): Promise<TracingHooks> {
  const chosen = (side: 'template' | 'listener'): boolean | undefined => (typeof option === 'boolean' ? option : option?.[side]) ?? properties[side];
  let template = chosen('template');
  let listener = chosen('listener');
  if (template === false && listener === false) return NONE;
  const api = await load();
  if (!api) {
    if (template === true || listener === true) logger.warn('Tracing is enabled but @opentelemetry/api is not installed: no spans are created');
    return NONE;
  }
  if ((template === undefined || listener === undefined) && isKafkaJsInstrumented()) {
    logger.info('@opentelemetry/instrumentation-kafkajs is active: the framework creates no spans of its own, which would double the library\'s (tracing: true turns them on)');
    template ??= false;
    listener ??= false;
  }
  if (template === false && listener === false) return NONE;
  const tracing = new KafkaTracing(api);
  return {
    tracing,
    templateObserver: template === false ? undefined : new TracingTemplateObserver(tracing),
    // Decided when a consumer starts: without a registered tracer provider its records and batches get no scope, at no cost.
    listenerWrapper:
      listener === false
        ? undefined
        : {
            recordScopes: (container) => tracingRecordScopes(container, tracing),
            batchScopes: (container) => tracingBatchScopes(container, tracing),
          },
  };
}
