// The console module's door: the web console the node serves on its HTTP port (page and JSON
// API), and what it is given of the node.
export { ConsoleServer } from './console-server.js';
export type { BrokerView, ConsoleNode, LocalReplica, RaftView } from './node-view.js';
