#!/usr/bin/env node
// Brook's node entry point: `node dist/node.js --node-id 1 --cluster-nodes 1 --data-dir ./data`
// (docker, scripts and tests start it so); `brook start` runs the same. See run-node.ts.
import { runNode } from './run-node.js';

void runNode(process.argv.slice(2));
