// Which address of a broker a client is told: the endpoint of the listener the client came in
// on (Kafka's MetadataCache.getAliveBrokerNode by listener name), so a client on the internal
// network is sent to internal addresses and one from outside to external ones.
import type { BrokerEndpoint, BrokerInfo } from '../../metadata/index.js';

export function endpointFor(broker: BrokerInfo, listenerName: string): BrokerEndpoint | undefined {
  return broker.endpoints.find((e) => e.listener === listenerName);
}
