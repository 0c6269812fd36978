// brook cluster info: the cluster id, the brokers Metadata lists (live ones), the controller,
// and the metadata Raft quorum from DescribeQuorum: its leader, term, commit index and each
// voter's and observer's (a broker beyond the voters) matched index and lag behind it. A member
// that Metadata does not list is fenced or down.
import { Command } from 'commander';
import { Admin } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { fields, json, out, table } from '../output.js';
import { addRebalanceCommand } from './rebalance.js';
import { quorumCommand } from './quorum.js';

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('the cluster: brokers, controller, metadata quorum');
  withConnection(cluster.command('info').description('brokers, controller, Raft leader, term and voters')).action(
    async (flags: ConnectionFlags) => {
      await withClient(flags, async (client) => {
        const metadata = await client.retrying(() => client.metadata([]));
        const quorum = await new Admin(client).describeQuorum();
        const live = new Set(metadata.brokers.map((b) => b.nodeId));
        const member = (v: { nodeId: number; logEndOffset: number }) => ({
          nodeId: v.nodeId,
          live: live.has(v.nodeId),
          matchedIndex: v.logEndOffset,
          lag: v.logEndOffset < 0 ? null : Math.max(0, quorum.highWatermark - v.logEndOffset),
        });
        const voters = quorum.voters.map(member);
        const observers = quorum.observers.map(member);
        if (flags.output === 'json') {
          return out(
            json({
              clusterId: metadata.clusterId,
              controllerId: metadata.controllerId,
              brokers: metadata.brokers,
              quorum: {
                leaderId: quorum.leaderId,
                term: quorum.term,
                commitIndex: quorum.highWatermark,
                voters,
                observers,
              },
            }),
          );
        }
        out(
          fields([
            ['cluster id', metadata.clusterId],
            ['controller', metadata.controllerId],
            ['raft leader', quorum.leaderId],
            ['raft term', quorum.term],
            ['commit index', quorum.highWatermark],
          ]),
        );
        out('\n');
        out(
          table(
            ['BROKER', 'HOST', 'PORT', 'RACK', 'CONTROLLER'],
            metadata.brokers.map((b) => [
              b.nodeId,
              b.host,
              b.port,
              b.rack,
              b.nodeId === metadata.controllerId ? 'yes' : '',
            ]),
          ),
        );
        out('\n');
        out(
          table(
            ['QUORUM', 'ROLE', 'LIVE', 'MATCHED INDEX', 'LAG'],
            [
              ...voters.map((v) => [v.nodeId, 'voter', v.live ? 'yes' : 'no', v.matchedIndex, v.lag]),
              ...observers.map((v) => [v.nodeId, 'observer', v.live ? 'yes' : 'no', v.matchedIndex, v.lag]),
            ],
          ),
        );
      });
    },
  );
  addRebalanceCommand(cluster);
  cluster.addCommand(quorumCommand());
  return cluster;
}
