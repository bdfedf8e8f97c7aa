// `streamwright/vitest/global-setup`: starts one embedded broker (or cluster) before any test
// file runs and stops it after the last; test files reach it through `inject`. Only the broker
// and its wire client are loaded here, not the framework.
import type { TestProject } from 'vitest/node';
import { ClusterClient } from '../../client/cluster-client.js';
import { EmbeddedKafka } from '../../broker/embedded-kafka.js';
import { BOOTSTRAP_SERVERS_KEY, OPTIONS_KEY } from './options.js';
import { byCoordinator } from './worker-admin.js';

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const options = project.getProvidedContext()[OPTIONS_KEY] ?? {};
  const kafka = await EmbeddedKafka.start(options);
  await warmUpGroupCoordinator(kafka.bootstrapServers).catch(() => {
    // Only a head start (a broker whose listeners all need SASL or TLS does not answer it): the first test to use a group pays instead.
  });
  project.provide(BOOTSTRAP_SERVERS_KEY, kafka.bootstrapServers);
  return () => kafka.stop();
}

/**
 * The first group-coordinator lookup creates `__consumer_offsets`; doing it once here keeps that
 * out of whichever test file would otherwise meet it first.
 */
async function warmUpGroupCoordinator(bootstrapServers: readonly string[]): Promise<void> {
  const client = await ClusterClient.connect({ bootstrapServers, clientId: 'streamwright-vitest-setup' });
  try {
    await byCoordinator(client, ['streamwright-vitest-warm-up']);
  } finally {
    client.close();
  }
}
