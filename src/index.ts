// The package's door, `import { startBroker } from 'brook'`: embedded Brook — a durable node, or
// a cluster of nodes, inside a Node.js program (embedded.ts) — and runNode, which runs a node from
// command-line flags as `node dist/node.js` and `brook start` do.
export { type EmbeddedBroker, type EmbeddedNode, type StartBrokerOptions, startBroker } from './embedded.js';
export { runNode } from './run-node.js';
