// The seeded partition replication simulation over every safe (N, W, R) of five replicas, 200 seeds
// each (the three-replica ones, the unsafe ones and the planted bugs: replication-sim.test.ts).
// Reproduce a failure with the printed flags:
//   npm run sim -- --replication --start N --seeds 1 --nodes 5 --w 3 --r 3 --safety-ms 8000 --stack
import { describe } from 'vitest';
import { safeConfigCases } from './replication/safe-configs.js';

describe('replication simulation, W + R > N, five replicas', () => {
  safeConfigCases(5);
});
