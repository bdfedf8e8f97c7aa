import type { ProblemCollector } from './invalid-configuration-exception.js';
import { hasPlaceholder } from './placeholder-resolver.js';
import { UnresolvablePlaceholderError, type StreamwrightEnvironment } from './streamwright-environment.js';

/** Resolves `${…}` in an annotation attribute; `where` names the attribute for error reports. */
export type PlaceholderResolver = (text: string, where: string) => string;

/**
 * A resolver over the application's properties that records an unresolvable placeholder as a
 * problem (reported with the others at start-up) and leaves the text as it is meanwhile.
 */
export function placeholderResolver(environment: StreamwrightEnvironment, problems: ProblemCollector): PlaceholderResolver {
  return (text, where) => {
    if (!hasPlaceholder(text)) return text;
    try {
      return environment.resolve(text);
    } catch (error) {
      if (!(error instanceof UnresolvablePlaceholderError)) throw error;
      problems.add({ key: where, origin: `'${text}'`, message: error.message });
      return text;
    }
  };
}
