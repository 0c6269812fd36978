// The http module's door: the node's HTTP endpoint (/metrics, /healthz, /readyz, JSON views).
// The metric definitions live in common, where the layers that record them can reach them.
export { type HttpOptions, HttpServer, type JsonRoute, type RequestHandler } from './server.js';
