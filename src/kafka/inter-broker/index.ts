// The inter-broker channel's parts, for the wiring: the gRPC client and service, the APIs it
// carries, the coordinator's marker transport and the partition leaders' verifier.
export { InterBrokerClient, InterBrokerService, type InterBrokerServe } from './channel.js';
export { interBrokerApis } from './apis.js';
export { KafkaMarkerTransport } from './marker-transport.js';
export { CoordinatorVerifier } from './verifier.js';
