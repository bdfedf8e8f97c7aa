import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as specs from '../../src/protocol/generated/specs.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/schema/compile.js';
import type { MessageSpec } from '../../src/protocol/schema/spec.js';
import { messageArbitrary, versionsOf } from '../support/arbitrary-message.js';

const allSpecs = Object.values(specs).filter((s): s is MessageSpec => typeof s === 'object' && s !== null && 'fields' in s);

describe('every message, every version: random values survive encode → decode → encode', () => {
  for (const spec of allSpecs) {
    it(`${spec.name} v${spec.versions}`, () => {
      for (const version of versionsOf(spec)) {
        fc.assert(
          fc.property(messageArbitrary(spec, version), (message) => {
            const bytes = encodeMessage(spec, version, message);
            const decoded = decodeMessage(spec, version, Buffer.from(bytes));
            expect(decoded).toEqual(message);
            expect(encodeMessage(spec, version, decoded).equals(bytes)).toBe(true);
          }),
          { numRuns: 15 },
        );
      }
    });
  }
});
