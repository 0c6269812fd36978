// brook cluster quorum describe | add-voter <id> | remove-voter <id>: the metadata Raft quorum.
// describe shows the leader, term and commit index, and each voter and observer (a broker beyond
// the voters, following the log as a learner) with its matched index and lag. add-voter promotes a
// broker that follows the log (AddRaftVoter), remove-voter takes a voter out (RemoveRaftVoter; a
// live broker stays on as an observer). Changes go one at a time, as the Raft core makes them.
import { Command } from 'commander';
import { Admin, type QuorumDescription } from '../../client/index.js';
import { type ConnectionFlags, withClient, withConnection } from '../connection.js';
import { fields, json, out, table } from '../output.js';
import { integer } from '../parse.js';

const NODE_ID_MAX = 2 ** 31 - 1;

function rows(quorum: QuorumDescription) {
  const row = (role: 'voter' | 'observer') => (r: { nodeId: number; logEndOffset: number }) => ({
    nodeId: r.nodeId,
    role,
    matchedIndex: r.logEndOffset,
    lag: r.logEndOffset < 0 ? null : Math.max(0, quorum.highWatermark - r.logEndOffset),
  });
  return [...quorum.voters.map(row('voter')), ...quorum.observers.map(row('observer'))];
}

function describe(flags: ConnectionFlags, quorum: QuorumDescription): void {
  const members = rows(quorum);
  if (flags.output === 'json') {
    return out(json({ leaderId: quorum.leaderId, term: quorum.term, commitIndex: quorum.highWatermark, members }));
  }
  out(
    fields([
      ['raft leader', quorum.leaderId],
      ['raft term', quorum.term],
      ['commit index', quorum.highWatermark],
    ]),
  );
  out('\n');
  out(
    table(
      ['NODE', 'ROLE', 'MATCHED INDEX', 'LAG'],
      members.map((m) => [m.nodeId, m.role, m.matchedIndex, m.lag]),
    ),
  );
}

export function quorumCommand(): Command {
  const quorum = new Command('quorum').description('the metadata Raft quorum: voters and observers');
  withConnection(quorum.command('describe').description('leader, term, commit index, voters and observers')).action(
    async (flags: ConnectionFlags) => {
      await withClient(flags, async (client) => describe(flags, await new Admin(client).describeQuorum()));
    },
  );
  withConnection(
    quorum
      .command('add-voter')
      .description('make a broker that follows the metadata log a voter, once it has caught up')
      .argument('<node-id>', 'the broker to promote', integer(1, NODE_ID_MAX))
      .option('--timeout-ms <ms>', 'how long the broker may take to catch up', integer(0), 30_000),
  ).action(async (nodeId: number, flags: ConnectionFlags & { timeoutMs: number }) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      await admin.addRaftVoter(nodeId, flags.timeoutMs);
      describe(flags, await admin.describeQuorum());
    });
  });
  withConnection(
    quorum
      .command('remove-voter')
      .description('take a voter out of the metadata quorum (a live broker stays on as an observer)')
      .argument('<node-id>', 'the voter to remove', integer(1, NODE_ID_MAX)),
  ).action(async (nodeId: number, flags: ConnectionFlags) => {
    await withClient(flags, async (client) => {
      const admin = new Admin(client);
      await admin.removeRaftVoter(nodeId);
      describe(flags, await admin.describeQuorum());
    });
  });
  return quorum;
}
