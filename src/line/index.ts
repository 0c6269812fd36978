// The line module's door: the seeds' text protocol, an optional listener where
// `PRODUCE <topic> <key> <value>` and `CONSUME <topic> <partition> <offset>` lines (as nc sends
// them) are answered through the node's own Kafka handlers. docs/line-protocol.md has the format.
export { type LineCommand, parseLine } from './parse.js';
export { LineServer } from './server.js';
