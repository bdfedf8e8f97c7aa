import type { MetadataView } from '../cluster/metadata-view.js';
import type { ScramCredential, ScramMechanismName } from './sasl/scram-credential.js';

/**
 * Where SCRAM credentials live: the cluster metadata (salt, stored key, server key,
 * iterations), so they survive restarts and every broker of a cluster sees them. PLAIN users
 * come from the listeners' JAAS configs (src/broker/security/listener-security.ts).
 */
export class CredentialStore {
  constructor(private readonly metadata: Pick<MetadataView, 'scramCredential'>) {}

  scram(user: string, mechanism: ScramMechanismName): ScramCredential | undefined {
    return this.metadata.scramCredential(user, mechanism);
  }
}
