import 'reflect-metadata';
import { setParameterAnnotation } from './listener-metadata.js';

/**
 * One header, as Spring's `@Header`: a `KafkaHeaders.RECEIVED_*`/`OFFSET`/`GROUP_ID`... name,
 * or a record header (its last value, converted to the declared type: `string` decodes UTF-8,
 * `Buffer` keeps the bytes, `number`/`boolean` parse the text). In batch listeners the value
 * is a list parallel to the records. A missing required header fails the record.
 */
export function Header(nameOrOptions: string | { name: string; required?: boolean }): ParameterDecorator {
  const { name, required } = typeof nameOrOptions === 'string' ? { name: nameOrOptions, required: true } : nameOrOptions;
  return (target, propertyKey, index) => {
    if (propertyKey === undefined) return;
    setParameterAnnotation(target, propertyKey, index, { kind: 'header', name, required: required ?? true });
  };
}

/** All headers as an object (record headers as raw bytes), as Spring's `@Headers`. */
export function Headers(): ParameterDecorator {
  return (target, propertyKey, index) => {
    if (propertyKey === undefined) return;
    setParameterAnnotation(target, propertyKey, index, { kind: 'headers' });
  };
}
