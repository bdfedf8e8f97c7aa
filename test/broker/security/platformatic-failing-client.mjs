// @platformatic/kafka failing to connect (a wrong password, a mechanism the broker does not
// enable, no TLS on a TLS port), in its own process: after an authentication
// failure 1.35 leaves the socket without an error listener, so the broker closing it would be
// an uncaught ECONNRESET in whatever process runs the client. Prints the error chain as JSON:
// [{ name, code, message }, ...] from the error thrown down through its aggregated errors and causes.
//
//   node platformatic-failing-client.mjs BOOTSTRAP MECHANISM|- USER PASSWORD CA_FILE|-
//
// MECHANISM "-": no SASL; CA_FILE "-": no TLS; with OAUTHBEARER, PASSWORD is the token.
import { readFileSync } from 'node:fs';
import { Producer, stringSerializers } from '@platformatic/kafka';

const [bootstrap, mechanism, username, password, caFile] = process.argv.slice(2);
process.on('uncaughtException', () => undefined); // the late ECONNRESET described above
const producer = new Producer({
  clientId: 'pl-failing-client',
  bootstrapBrokers: [bootstrap],
  timeout: 10_000,
  retries: 0,
  serializers: stringSerializers,
  ...(caFile !== '-' ? { tls: { ca: readFileSync(caFile, 'utf8') } } : {}),
  ...(mechanism !== '-' ? { sasl: mechanism === 'OAUTHBEARER' ? { mechanism, token: password } : { mechanism, username, password } } : {}),
});

function chain(error, out = []) {
  if (!error || out.length > 10) return out;
  out.push({ name: error.constructor?.name ?? error.name, code: error.code ?? null, message: error.message });
  for (const inner of error.errors ?? []) chain(inner, out);
  return chain(error.cause, out);
}

try {
  await producer.send({ messages: [{ topic: 'pl-wrong-password', value: 'never' }] });
  console.log(JSON.stringify({ sent: true }));
} catch (error) {
  console.log(JSON.stringify({ errors: chain(error) }));
}
process.exit(0);
