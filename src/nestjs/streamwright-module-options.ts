import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { KafkaApplicationOptions } from '../framework/container/kafka-application-options.js';

/**
 * What `StreamwrightModule.forRoot` takes: `KafkaApplication.create`'s options, except where
 * beans come from. Listeners are Nest providers (found by their `@KafkaListener`), so there is
 * no `listeners`, `container` or `beans` here.
 */
export type StreamwrightModuleOptions = Omit<KafkaApplicationOptions, 'container' | 'beans' | 'listeners'>;

/** `StreamwrightModule.forRootAsync`: the options built by a factory with Nest's DI (e.g. from `ConfigService`). */
export interface StreamwrightModuleAsyncOptions {
  /** Modules whose providers `inject` names (e.g. `ConfigModule`). */
  imports?: ModuleMetadata['imports'];
  /** Tokens whose instances are passed to `useFactory`, in order. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's own factory signature: the arguments are what `inject` names.
  useFactory: (...args: any[]) => StreamwrightModuleOptions | Promise<StreamwrightModuleOptions>;
}

/** The token the module's resolved options are provided under. */
export const STREAMWRIGHT_MODULE_OPTIONS = Symbol.for('streamwright.nestjs.ModuleOptions');

/** The token of the framework's Logger in the module (the options' `logger`, else Nest's Logger). */
export const STREAMWRIGHT_LOGGER = Symbol.for('streamwright.nestjs.Logger');
