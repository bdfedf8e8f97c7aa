// The `streamwright/nestjs` entry point: Streamwright's listeners, templates and containers in a
// Nest application (docs/nestjs.md). Needs @nestjs/common, @nestjs/core and rxjs (optional peers).
export { StreamwrightModule } from './streamwright-module.js';
export { STREAMWRIGHT_MODULE_OPTIONS, STREAMWRIGHT_LOGGER, type StreamwrightModuleOptions, type StreamwrightModuleAsyncOptions } from './streamwright-module-options.js';
export { StreamwrightLifecycle } from './streamwright-lifecycle.js';
export { NestBeanSource, discoverListenerBeans } from './nest-bean-source.js';
export { nestLogger } from './nest-logger.js';
