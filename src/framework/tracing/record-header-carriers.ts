import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { RecordHeaders } from '../support/record-headers.js';

/**
 * Reads propagation headers (`traceparent`, `tracestate`, `baggage`) from a record's headers:
 * Kafka header values are bytes, propagators want text. The last value of a repeated name wins.
 */
export const recordHeadersGetter: TextMapGetter<RecordHeaders> = {
  keys: (headers) => [...new Set([...headers].map((header) => header.key))],
  get: (headers, key) => headers.lastString(key),
};

/** Writes propagation headers, replacing any value the record already had (a forwarded record's). */
export const recordHeadersSetter: TextMapSetter<RecordHeaders> = {
  set: (headers, key, value) => {
    headers.remove(key).add(key, value);
  },
};
