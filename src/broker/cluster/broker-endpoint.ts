/** A registered broker's addresses, as Metadata and DescribeCluster answer them. */
export interface BrokerEndpoint {
  nodeId: number;
  /** The inter-broker listener's address. */
  host: string;
  port: number;
  /** Every listener's advertised address, by listener name. */
  listeners?: Readonly<Record<string, { host: string; port: number }>>;
}
