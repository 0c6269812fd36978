// The controller's quorum changes against a metadata quorum that applies each change at once: a
// registering broker becomes a learner only when outside the quorum, a learner is promoted only
// once caught up, a live voter is demoted and a fenced one removed, and every refusal carries
// Kafka's error code. And the address book every link between nodes looks a node up in.
import { describe, expect, it } from 'vitest';
import { ErrorCode, KafkaError, silentLogger } from '../../src/common/index.js';
import type { MetadataLog } from '../../src/metadata/log.js';
import { PeerDirectory } from '../../src/metadata/peer-directory.js';
import { type MetadataQuorum, QuorumAdmin } from '../../src/metadata/quorum-admin.js';
import { MetadataState } from '../../src/metadata/state.js';
import { applyConfChange, type ConfChange, type ConfState, type RaftDriverStatus } from '../../src/raft/index.js';

class FakeQuorum implements MetadataQuorum {
  readonly changes: ConfChange[] = [];
  /** Each member's matched index as the leader knows it. */
  readonly match = new Map<number, number>();
  commit = 10;

  constructor(private conf: ConfState) {}

  membership(): ConfState {
    return this.conf;
  }

  changeMembership(change: ConfChange): Promise<void> {
    const outcome = applyConfChange(this.conf, change);
    if (!outcome.ok) return Promise.reject(new Error(outcome.detail));
    this.changes.push(change);
    this.conf = outcome.confState;
    return Promise.resolve();
  }

  status(): RaftDriverStatus {
    const peers = [...this.match].map(([nodeId, match]) => ({
      nodeId,
      match,
      next: match + 1,
      state: '',
      inflight: 0,
    }));
    return { commit: this.commit, peers, confState: this.conf } as unknown as RaftDriverStatus;
  }
}

function setUp(conf: ConfState) {
  const state = new MetadataState();
  const register = (nodeId: number) =>
    state.apply({
      type: 'RegisterBroker',
      nodeId,
      host: '127.0.0.1',
      port: 9000 + nodeId,
      rack: null,
      incarnation: `i${nodeId}`,
      peerAddress: `10.0.0.${nodeId}:9093`,
    });
  const metadata = { state } as unknown as MetadataLog;
  const quorum = new FakeQuorum(conf);
  return { state, register, quorum, admin: new QuorumAdmin(metadata, quorum, silentLogger) };
}

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return ErrorCode.NONE;
  } catch (err) {
    expect(err).toBeInstanceOf(KafkaError);
    return (err as KafkaError).code;
  }
}

describe('QuorumAdmin', () => {
  it('adds a registering broker outside the quorum as a learner, and leaves members as they are', async () => {
    const { quorum, admin } = setUp({ voters: [1, 2, 3], learners: [5] });
    await admin.admitLearner(4);
    await admin.admitLearner(2);
    await admin.admitLearner(5);
    expect(quorum.changes).toEqual([{ type: 'addLearner', nodeId: 4 }]);
    expect(quorum.membership()).toEqual({ voters: [1, 2, 3], learners: [4, 5] });
  });

  it('promotes a live learner once its log matches the commit index of the request', async () => {
    const { register, quorum, admin } = setUp({ voters: [1, 2, 3], learners: [4] });
    register(4);
    quorum.match.set(4, 7);
    expect(await codeOf(admin.addVoter(4, 0))).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(quorum.changes).toEqual([]);
    setTimeout(() => quorum.match.set(4, 10), 60);
    await admin.addVoter(4, 5_000);
    expect(quorum.membership()).toEqual({ voters: [1, 2, 3, 4], learners: [] });
  });

  it('refuses a voter, an unknown node, a fenced broker and a broker outside the quorum', async () => {
    const { state, register, quorum, admin } = setUp({ voters: [1, 2, 3], learners: [4, 5] });
    register(4);
    register(6);
    expect(await codeOf(admin.addVoter(2, 0))).toBe(ErrorCode.DUPLICATE_VOTER);
    expect(await codeOf(admin.addVoter(5, 0))).toBe(ErrorCode.INVALID_REQUEST); // a learner never registered
    expect(await codeOf(admin.addVoter(6, 0))).toBe(ErrorCode.INVALID_REQUEST); // registered, not a learner
    state.apply({ type: 'FenceBroker', nodeId: 4 });
    expect(await codeOf(admin.addVoter(4, 0))).toBe(ErrorCode.INVALID_REQUEST);
    expect(await codeOf(admin.removeVoter(4))).toBe(ErrorCode.VOTER_NOT_FOUND);
    expect(await codeOf(admin.removeVoter(9))).toBe(ErrorCode.VOTER_NOT_FOUND);
    expect(quorum.changes).toEqual([]);
  });

  it('demotes a voter whose broker is alive, removes a fenced one, and keeps the last voter', async () => {
    const { state, register, quorum, admin } = setUp({ voters: [1, 2, 3], learners: [] });
    register(1);
    register(2);
    state.apply({ type: 'FenceBroker', nodeId: 2 });
    await admin.removeVoter(1);
    await admin.removeVoter(2);
    expect(quorum.changes).toEqual([
      { type: 'addLearner', nodeId: 1 },
      { type: 'removeNode', nodeId: 2 },
    ]);
    expect(quorum.membership()).toEqual({ voters: [3], learners: [1] });
    expect(await codeOf(admin.removeVoter(3))).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('PeerDirectory', () => {
  it('takes --cluster-nodes for the voters it names, the registration for others, then what it was told', () => {
    const { state, register } = setUp({ voters: [1], learners: [] });
    const peers = new PeerDirectory([{ nodeId: 1, host: 'voter-1', grpcPort: 9093 }], state);
    register(1);
    register(4);
    peers.learn([
      { nodeId: 4, address: 'stale:1' },
      { nodeId: 7, address: 'told:9093' },
    ]);
    expect(peers.address(1)).toBe('voter-1:9093');
    expect(peers.address(4)).toBe('10.0.0.4:9093');
    expect(peers.address(7)).toBe('told:9093');
    expect(peers.address(8)).toBeNull();
    expect(peers.known()).toEqual([
      { nodeId: 1, address: 'voter-1:9093' },
      { nodeId: 4, address: '10.0.0.4:9093' },
      { nodeId: 7, address: 'told:9093' },
    ]);
  });
});
