// `streamwright/vitest/global-setup`: starts one embedded broker (or cluster) before any test
// file runs and stops it after the last; test files reach it through `inject`. Only the broker
// is loaded here, not the framework.
import type { TestProject } from 'vitest/node';
import { EmbeddedKafka } from '../../broker/embedded-kafka.js';
import { BOOTSTRAP_SERVERS_KEY, OPTIONS_KEY } from './options.js';

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = project.getProvidedContext()[OPTIONS_KEY] ?? {};
  const kafka = await EmbeddedKafka.start(options);
  project.provide(BOOTSTRAP_SERVERS_KEY, kafka.bootstrapServers);
  return () => kafka.stop();
}
