import type { PropertyValue } from './property-source.js';

/** Looks a property up by name (any relaxed form); undefined when no source has it. */
export type PropertyLookup = (key: string) => PropertyValue | undefined;

/** Thrown for `${name}` with no value and no default, or a cycle; the caller turns it into a problem. */
export class UnresolvablePlaceholderError extends Error {}

/**
 * Resolves Spring's placeholders in text: `${orders.topic}`, `${orders.topic:orders}` (the
 * text after the first `:` is the default), nested ones (`${a:${b:x}}`) and several in one
 * string (`${env}-orders`). Values found are resolved in turn; a cycle is an error.
 */
export function resolvePlaceholders(text: string, lookup: PropertyLookup, visiting: readonly string[] = []): string {
  let result = '';
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf('${', index);
    if (start < 0) {
      result += text.slice(index);
      break;
    }
    result += text.slice(index, start);
    const end = closingBrace(text, start + 2);
    if (end < 0) throw new UnresolvablePlaceholderError(`'${text}' has an unclosed placeholder`);
    result += resolveOne(text.slice(start + 2, end), lookup, visiting);
    index = end + 1;
  }
  return result;
}

export function hasPlaceholder(text: string): boolean {
  return text.includes('${');
}

function resolveOne(body: string, lookup: PropertyLookup, visiting: readonly string[]): string {
  const separator = defaultSeparator(body);
  const name = resolvePlaceholders(separator < 0 ? body : body.slice(0, separator), lookup, visiting).trim();
  if (visiting.includes(name)) throw new UnresolvablePlaceholderError(`circular placeholder reference: ${[...visiting, name].join(' -> ')}`);
  const found = lookup(name);
  if (found && found.value !== null) {
    const value = Array.isArray(found.value) ? found.value.join(',') : String(found.value);
    return resolvePlaceholders(value, lookup, [...visiting, name]);
  }
  if (separator >= 0) return resolvePlaceholders(body.slice(separator + 1), lookup, visiting);
  throw new UnresolvablePlaceholderError(`could not resolve placeholder '\${${name}}' (no property '${name}' and no default)`);
}

/** The index of the `}` closing a placeholder whose body starts at `from`, counting nested `${`. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The first `:` at nesting depth 0. */
function defaultSeparator(body: string): number {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    if (body.startsWith('${', i)) {
      depth++;
      i++;
    } else if (body[i] === '}') depth--;
    else if (body[i] === ':' && depth === 0) return i;
  }
  return -1;
}

/** A `${…}` placeholder where an annotation attribute otherwise takes a number or a boolean. */
export type PropertyPlaceholder = `\${${string}}`;
