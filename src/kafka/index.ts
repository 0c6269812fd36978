// The kafka module's door: the Kafka listener (KafkaServer, one Connection per client), the
// dispatcher that turns a request frame into a response frame, the handlers (one per API key) and
// the BrokerContext they are given. The wire codec (./protocol) stays inside.
export type { BrokerContext } from './broker-context.js';
export { RequestDispatcher } from './dispatcher.js';
export { type ApiHandler, type RequestContext } from './handler.js';
export { type ListenerIdentity, PLAINTEXT_LISTENER } from './listener-identity.js';
export { createHandlers } from './handlers/index.js';
export { type CredentialSource, KafkaListeners } from './listeners.js';
export { createBootstrapUsers } from './sasl/bootstrap-users.js';
export { KafkaServer } from './server.js';
