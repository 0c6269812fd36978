// What security adds to the replicated metadata: brokers' endpoints per listener (records and
// snapshots written before endpoints existed still load, as one PLAINTEXT listener) and SCRAM
// users (records, snapshot, and the controller's checks of AlterUserScramCredentials).
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { planScramChanges, type ScramUpsertion } from '../../src/metadata/scram-users.js';
import { type MetadataSnapshot, MetadataState } from '../../src/metadata/state.js';

const credential = { salt: 'c2FsdA==', iterations: 4096, storedKey: 'AAAA', serverKey: 'BBBB' };
const upsert = (user: string, mechanism: ScramUpsertion['mechanism'] = 'SCRAM-SHA-256', iterations = 4096) => ({
  user,
  mechanism,
  ...credential,
  iterations,
});

describe('broker endpoints', () => {
  it('come from the registration, by listener name', () => {
    const state = new MetadataState();
    const endpoints = [
      { listener: 'INTERNAL', host: 'brook-1', port: 9092, securityProtocol: 'PLAINTEXT' as const },
      { listener: 'EXTERNAL', host: 'localhost', port: 19092, securityProtocol: 'SASL_SSL' as const },
    ];
    state.apply({
      type: 'RegisterBroker',
      nodeId: 1,
      host: 'brook-1',
      port: 9092,
      endpoints,
      rack: null,
      incarnation: 'a',
    });
    expect(state.broker(1)?.endpoints).toEqual(endpoints);
    const restored = new MetadataState();
    restored.restore(JSON.parse(JSON.stringify(state.snapshot())) as MetadataSnapshot);
    expect(restored.broker(1)?.endpoints).toEqual(endpoints);
  });

  it('of a record or snapshot from before endpoints are one PLAINTEXT listener at host:port', () => {
    const state = new MetadataState();
    state.apply({ type: 'RegisterBroker', nodeId: 2, host: 'h', port: 9092, rack: null, incarnation: 'b' });
    const plaintext = [{ listener: 'PLAINTEXT', host: 'h', port: 9092, securityProtocol: 'PLAINTEXT' }];
    expect(state.broker(2)?.endpoints).toEqual(plaintext);
    const old = {
      brokers: [{ nodeId: 3, host: 'x', port: 1234, rack: null, incarnation: 'c', fenced: false }],
      topics: [],
      nextProducerId: 5000,
    };
    const restored = new MetadataState();
    restored.restore(old);
    expect(restored.broker(3)?.endpoints).toEqual([{ ...plaintext[0], host: 'x', port: 1234 }]);
    expect(restored.scramUsers.list()).toEqual([]);
  });
});

describe('SCRAM users', () => {
  it('are records applied alike, kept in snapshots, and never hold a password', () => {
    const state = new MetadataState();
    state.apply({ type: 'UpsertScramCredential', ...upsert('alice') });
    state.apply({ type: 'UpsertScramCredential', ...upsert('alice', 'SCRAM-SHA-512', 8192) });
    state.apply({ type: 'UpsertScramCredential', ...upsert('bob') });
    state.apply({ type: 'DeleteScramCredential', user: 'bob', mechanism: 'SCRAM-SHA-256' });
    expect(state.scramUsers.list()).toEqual([
      {
        user: 'alice',
        credentials: [
          { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
          { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
        ],
      },
    ]);
    const snapshot = JSON.parse(JSON.stringify(state.snapshot())) as MetadataSnapshot;
    expect(Object.keys(snapshot.scramCredentials![0]!.credential).sort()).toEqual([
      'iterations',
      'salt',
      'serverKey',
      'storedKey',
    ]);
    const restored = new MetadataState();
    restored.restore(snapshot);
    expect(restored.scramUsers.credential('alice', 'SCRAM-SHA-512')).toEqual({ ...credential, iterations: 8192 });
    expect(restored.scramUsers.has('bob')).toBe(false);
  });

  it("are changed as Kafka's controller checks AlterUserScramCredentials, per user", () => {
    const state = new MetadataState();
    state.apply({ type: 'UpsertScramCredential', ...upsert('existing') });
    const plan = planScramChanges(
      state.scramUsers,
      [
        { user: 'existing', mechanism: 'SCRAM-SHA-256' },
        { user: 'ghost', mechanism: 'SCRAM-SHA-512' },
      ],
      [
        upsert('twice'),
        upsert('twice'),
        upsert('weak', 'SCRAM-SHA-256', 1000),
        upsert('strong', 'SCRAM-SHA-256', 20_000),
        upsert(''),
        upsert('fine', 'SCRAM-SHA-512'),
        { ...upsert('nokey'), storedKey: '' },
      ],
    );
    const codes = Object.fromEntries(plan.results.map((r) => [r.user, r.errorCode]));
    expect(codes).toEqual({
      existing: ErrorCode.NONE,
      ghost: ErrorCode.RESOURCE_NOT_FOUND,
      twice: ErrorCode.DUPLICATE_RESOURCE,
      weak: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      strong: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      '': ErrorCode.UNACCEPTABLE_CREDENTIAL,
      fine: ErrorCode.NONE,
      nokey: ErrorCode.UNACCEPTABLE_CREDENTIAL,
    });
    expect(plan.records.map((r) => `${r.type} ${r.user}`)).toEqual([
      'DeleteScramCredential existing',
      'UpsertScramCredential fine',
    ]);
  });

  it('with createOnly keep an existing credential (bootstrap users) without an error', () => {
    const state = new MetadataState();
    state.apply({ type: 'UpsertScramCredential', ...upsert('admin') });
    const plan = planScramChanges(state.scramUsers, [], [upsert('admin'), upsert('admin', 'SCRAM-SHA-512')], true);
    expect(plan.results).toEqual([{ user: 'admin', errorCode: 0, errorMessage: null }]);
    expect(plan.records.map((r) => `${r.type} ${r.mechanism}`)).toEqual(['UpsertScramCredential SCRAM-SHA-512']);
  });
});
