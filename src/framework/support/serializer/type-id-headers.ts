/** Header carrying the payload's type, as Spring's `AbstractJavaTypeMapper.DEFAULT_CLASSID_FIELD_NAME`. */
export const TYPE_ID_HEADER = '__TypeId__';
/** The same for record keys (Spring's `__Key_TypeId__`; `__KeyTypeId__` is a map's key class). */
export const KEY_TYPE_ID_HEADER = '__Key_TypeId__';
/** The element class of a collection payload, as Spring's `DEFAULT_CONTENT_CLASSID_FIELD_NAME`. */
export const CONTENT_TYPE_ID_HEADER = '__ContentTypeId__';
/** The key class of a map payload, as Spring's `DEFAULT_KEY_CLASSID_FIELD_NAME`. */
export const MAP_KEY_TYPE_ID_HEADER = '__KeyTypeId__';

/** A class that JSON can be converted to. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ClassType<T = unknown> = new (...args: any[]) => T;

/**
 * The type id written for a value: the alias from `typeMappings` when there is one, else the
 * class name for class instances, `String`/`Number`/`Boolean` for primitives; undefined for
 * plain objects, arrays and bytes (they carry no type).
 */
export function typeIdOf(value: unknown, typeMappings: Record<string, ClassType> = {}): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return 'String';
    case 'number':
    case 'bigint':
      return 'Number';
    case 'boolean':
      return 'Boolean';
    case 'object': {
      if (Buffer.isBuffer(value) || value instanceof Uint8Array || Array.isArray(value)) return undefined;
      const ctor = (value as object).constructor;
      if (!ctor || ctor === Object) return undefined;
      for (const [alias, type] of Object.entries(typeMappings)) if (type === ctor) return alias;
      return ctor.name || undefined;
    }
    default:
      return undefined;
  }
}
