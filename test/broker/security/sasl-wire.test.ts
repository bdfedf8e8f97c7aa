import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { digest, hmac, saltedPassword } from '../../../src/broker/security/sasl/scram-credential.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { closeRawConnections, openRaw, startKafka, stopKafkas, type RawConnection } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';

// Kafka's SASL sequencing on the wire (SaslServerAuthenticator), checked with raw frames:
// what is allowed before authentication, the v0 raw-token framing, the error codes and
// messages, session lifetime and re-authentication (KIP-368), and hostile input.

let kafka: EmbeddedKafka;
let sasl: string;
let plaintext: string;

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsecuredJws = (claims: object) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;

beforeAll(async () => {
  kafka = await startKafka({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
    tls: true,
    sasl: { mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER'], users: [{ username: 'alice', password: 'alice-secret' }, { username: 'bob', password: 'bob-secret' }] },
    config: { 'connections.max.reauth.ms': 60_000, 'connection.failed.authentication.delay.ms': 0 },
  });
  sasl = kafka.bootstrapServersFor('SASL_PLAINTEXT')[0]!;
  plaintext = kafka.bootstrapServersFor('PLAINTEXT')[0]!;
});
afterAll(async () => {
  closeRawConnections();
  await stopKafkas();
});

const plainToken = (user: string, password: string, authzid = '') => Buffer.from(`${authzid}\0${user}\0${password}`);

async function handshake(connection: RawConnection, mechanism: string, version = 1) {
  return connection.request(ApiKeys.SaslHandshake, version, { mechanism });
}

/** A raw frame: int32 size + bytes. */
const frame = (bytes: Buffer) => Buffer.concat([int32(bytes.length), bytes]);
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

async function brokerStillServes(): Promise<void> {
  const check = await openRaw(plaintext);
  expect((await check.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode).toBe(0);
}

describe('SASL sequencing', () => {
  it('ApiVersions, SaslHandshake v1 and SaslAuthenticate PLAIN authenticate; the principal is the user', async () => {
    const c = await openRaw(sasl);
    const versions = await c.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    expect(versions.apiKeys.map((k) => k.apiKey)).toEqual(expect.arrayContaining([ApiKeys.SaslHandshake, ApiKeys.SaslAuthenticate, ApiKeys.Produce]));
    expect(await handshake(c, 'PLAIN')).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER'] });
    const done = await c.request(ApiKeys.SaslAuthenticate, 2, { authBytes: plainToken('alice', 'alice-secret') });
    expect(done.errorCode).toBe(0);
    expect(done.sessionLifetimeMs).toBe(60_000n);
    const metadata = await c.request(ApiKeys.Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(metadata.brokers.map((b) => `${b.host}:${b.port}`)).toEqual([sasl]);
    const stats = kafka.broker().instance.connectionStats().filter((s) => s.listener === 'SASL_PLAINTEXT');
    expect(stats.map((s) => s.principal)).toContain('User:alice');
    // Kafka's answer to a second SaslAuthenticate on an authenticated connection.
    const again = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.alloc(0) });
    expect(again.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(again.errorMessage).toBe('SaslAuthenticate request received after successful authentication');
  });

  it('SaslHandshake v0 is followed by raw tokens: PLAIN success is an empty token', async () => {
    const c = await openRaw(sasl);
    expect((await handshake(c, 'PLAIN', 0)).errorCode).toBe(0);
    await c.write(frame(plainToken('alice', 'alice-secret', 'alice')));
    expect((await c.nextFrame()).length).toBe(0);
    const versions = await c.request(ApiKeys.ApiVersions, 0, {});
    expect(versions.errorCode).toBe(0);
  });

  it('a bad raw token closes the connection without an answer', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'PLAIN', 0);
    await c.write(frame(plainToken('alice', 'nope')));
    expect(await c.closesWithin()).toBe(true);
  });

  it('a request other than ApiVersions or SaslHandshake before authentication closes the connection', async () => {
    const c = await openRaw(sasl);
    await c.write(c.encode(ApiKeys.Metadata, 4, { topics: null, allowAutoTopicCreation: false }));
    expect(await c.closesWithin()).toBe(true);
  });

  it('an unknown mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes', async () => {
    const c = await openRaw(sasl);
    expect(await handshake(c, 'GSSAPI')).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256', 'OAUTHBEARER'] });
    await c.closed;
  });

  it('SaslHandshake on a listener without SASL is ILLEGAL_SASL_STATE and the connection stays open', async () => {
    const c = await openRaw(plaintext);
    expect(await handshake(c, 'PLAIN')).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    expect((await c.request(ApiKeys.ApiVersions, 0, {})).errorCode).toBe(0);
  });

  it.each([
    [plainToken('alice', 'wrong'), 'Authentication failed: Invalid username or password'],
    [plainToken('', 'x'), 'Authentication failed: username not specified'],
    [plainToken('alice', ''), 'Authentication failed: password not specified'],
    [plainToken('alice', 'alice-secret', 'bob'), 'Authentication failed: Client requested an authorization id that is different from username'],
    [Buffer.from('alice\0secret'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 2'],
  ])('PLAIN failure answers SASL_AUTHENTICATION_FAILED with Kafka\'s message (%#), then closes', async (token, message) => {
    const c = await openRaw(sasl);
    await handshake(c, 'PLAIN');
    const response = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: token });
    expect(response).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: message });
    await c.closed;
  });

  it('SCRAM-SHA-256: a correct proof authenticates and the server signature verifies; a forged proof fails', async () => {
    for (const forged of [false, true]) {
      const c = await openRaw(sasl);
      await handshake(c, 'SCRAM-SHA-256');
      const clientNonce = randomBytes(16).toString('base64url');
      const clientFirstBare = `n=alice,r=${clientNonce}`;
      const first = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from(`n,,${clientFirstBare}`) });
      expect(first.errorCode).toBe(0);
      const serverFirst = first.authBytes.toString();
      const [, nonce, salt, iterations] = /^r=([^,]+),s=([^,]+),i=(\d+)$/.exec(serverFirst)!;
      expect(nonce!.startsWith(clientNonce)).toBe(true);
      expect(Number(iterations)).toBe(4096);
      const withoutProof = `c=biws,r=${nonce}`;
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const salted = saltedPassword('SCRAM-SHA-256', 'alice-secret', Buffer.from(salt!, 'base64'), Number(iterations));
      const clientKey = hmac('SCRAM-SHA-256', salted, 'Client Key');
      const signature = hmac('SCRAM-SHA-256', digest('SCRAM-SHA-256', clientKey), authMessage);
      const proof = forged ? randomBytes(32) : Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
      const final = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`) });
      if (forged) {
        expect(final).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256' });
        await c.closed;
      } else {
        expect(final.errorCode).toBe(0);
        const serverKey = hmac('SCRAM-SHA-256', salted, 'Server Key');
        expect(final.authBytes.toString()).toBe(`v=${hmac('SCRAM-SHA-256', serverKey, authMessage).toString('base64')}`);
      }
    }
  });

  it('SCRAM with an unknown user fails on the first message', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'SCRAM-SHA-256');
    const first = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from('n,,n=mallory,r=abc') });
    expect(first.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    await c.closed;
  });

  it('OAUTHBEARER: a valid unsecured token sets the principal and the session lifetime to the token\'s life', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'OAUTHBEARER');
    const exp = Math.floor(Date.now() / 1000) + 30;
    const token = unsecuredJws({ sub: 'carol', iat: Math.floor(Date.now() / 1000), exp });
    const response = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`) });
    expect(response.errorCode).toBe(0);
    expect(Number(response.sessionLifetimeMs)).toBeGreaterThan(0);
    expect(Number(response.sessionLifetimeMs)).toBeLessThanOrEqual(30_000);
  });

  it('OAUTHBEARER: an expired token gets the JSON error status, and the client\'s %x01 ends in SASL_AUTHENTICATION_FAILED', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'OAUTHBEARER');
    const token = unsecuredJws({ sub: 'carol', exp: Math.floor(Date.now() / 1000) - 10 });
    const first = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`) });
    expect(first.errorCode).toBe(0);
    expect(JSON.parse(first.authBytes.toString())).toEqual({ status: 'invalid_token' });
    const second = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from([1]) });
    expect(second).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: '{"status":"invalid_token"}' });
    await c.closed;
  });

  it('re-authentication (KIP-368): a new SaslHandshake on an authenticated connection after 1 s; a new principal is refused', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'PLAIN');
    expect((await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: plainToken('alice', 'alice-secret') })).errorCode).toBe(0);
    // Within a second of the last authentication Kafka's normal handler answers ILLEGAL_SASL_STATE.
    expect((await handshake(c, 'PLAIN')).errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await handshake(c, 'PLAIN')).errorCode).toBe(0);
    expect((await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: plainToken('alice', 'alice-secret') })).sessionLifetimeMs).toBe(60_000n);
    expect((await c.request(ApiKeys.ApiVersions, 0, {})).errorCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await handshake(c, 'PLAIN')).errorCode).toBe(0);
    const other = await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: plainToken('bob', 'bob-secret') });
    expect(other).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Cannot change principals during re-authentication from User.alice: User.bob' });
    await c.closed;
  });
});

describe('hostile input', () => {
  it('a 100 MB SASL token is refused by its size prefix and never buffered', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'PLAIN');
    // A SaslAuthenticate frame announcing 100 MB: sasl.server.max.receive.size (512 KiB) closes it.
    await c.write(Buffer.concat([int32(100 * 1024 * 1024), Buffer.alloc(64 * 1024, 1)]));
    expect(await c.closesWithin()).toBe(true);
    await brokerStillServes();
  });

  it('a client that stops mid-handshake holds nothing once it is gone', async () => {
    const c = await openRaw(sasl);
    await handshake(c, 'SCRAM-SHA-256');
    await c.request(ApiKeys.SaslAuthenticate, 1, { authBytes: Buffer.from('n,,n=alice,r=abc') });
    const before = kafka.broker().instance.connectionStats().length;
    c.destroy();
    await c.closed;
    await waitFor(() => kafka.broker().instance.connectionStats().length === before - 1);
    await brokerStillServes();
  });

  it('garbage instead of a TLS handshake, and a TLS handshake cut off half-way, leave the broker serving', async () => {
    const [host, port] = kafka.bootstrapServersFor('SSL')[0]!.split(':');
    await new Promise<void>((resolve) => {
      const socket = connect({ host, port: Number(port) }, () => socket.write(randomBytes(4096)));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    await new Promise<void>((resolve) => {
      // The first bytes of a ClientHello, then silence and a close.
      const socket = connect({ host, port: Number(port) }, () => {
        socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    const ok = await new Promise<boolean>((resolve, reject) => {
      const socket = connectTls({ host, port: Number(port), ca: kafka.tls!.ca }, () => {
        resolve(socket.authorized);
        socket.destroy();
      });
      socket.on('error', reject);
    });
    expect(ok).toBe(true);
    await brokerStillServes();
  });

  it('a plaintext Kafka request on the TLS port gets no Kafka answer, only a close', async () => {
    const c = await openRaw(kafka.bootstrapServersFor('SSL')[0]!);
    await c.write(c.encode(ApiKeys.ApiVersions, 0, {}));
    await expect(c.nextFrame(10_000)).rejects.toThrow();
    await c.closed;
  });
});
