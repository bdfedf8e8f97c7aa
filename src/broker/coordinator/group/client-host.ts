/** DescribeGroups' clientHost, as Kafka prints it: "/" + the client's IP address. */
export function clientHostOf(clientAddress: string): string {
  const colon = clientAddress.lastIndexOf(':');
  const host = colon > 0 ? clientAddress.slice(0, colon) : clientAddress;
  return `/${host.startsWith('::ffff:') ? host.slice(7) : host}`;
}
