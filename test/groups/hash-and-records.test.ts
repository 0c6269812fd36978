// The partition a group lands on must match Kafka's (Java String.hashCode, Utils.abs), and the
// __consumer_offsets records must round-trip in Kafka's layout.
import { describe, expect, it } from 'vitest';
import { javaStringHashCode, kafkaAbs, offsetsPartitionFor } from '../../src/groups/hash.js';
import { decodeCoordinatorRecord, encodeCoordinatorRecord, type CoordinatorRecord } from '../../src/groups/records.js';

describe('group partition placement', () => {
  it('computes Java String.hashCode over UTF-16 code units with int32 overflow', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB'));
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    // U+1F600 is the surrogate pair D83D DE00.
    expect(javaStringHashCode('\u{1F600}')).toBe(0xd83d * 31 + 0xde00);
    // An independent oracle: exact BigInt arithmetic reduced to a signed 32-bit int.
    const oracle = (s: string) => {
      let h = 0n;
      for (let i = 0; i < s.length; i++) h = h * 31n + BigInt(s.charCodeAt(i));
      return Number(BigInt.asIntN(32, h));
    };
    for (const s of ['a-much-longer-consumer-group-name', 'grüße-gruppe', 'console-consumer-98765', 'x'.repeat(300)]) {
      expect(javaStringHashCode(s)).toBe(oracle(s));
    }
  });

  it("uses Kafka's abs, which maps Integer.MIN_VALUE to 0", () => {
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(-1)).toBe(2147483647);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(offsetsPartitionFor('hello', 50)).toBe(99162322 % 50);
    // "console-consumer" hashes to a negative int: the partition is (hash & 0x7fffffff) % 50.
    const h = javaStringHashCode('console-consumer-12345');
    expect(offsetsPartitionFor('console-consumer-12345', 50)).toBe((h & 0x7fffffff) % 50);
  });
});

describe('__consumer_offsets records', () => {
  it("writes an offset key in Kafka's v1 layout: version, group, topic, partition", () => {
    const { key } = encodeCoordinatorRecord({ kind: 'offset', groupId: 'g', topic: 't', partition: 7, value: null });
    expect(key.toString('hex')).toBe('0001' + '0001' + '67' + '0001' + '74' + '00000007');
  });

  it("writes a group key in Kafka's v2 layout", () => {
    const { key, value } = encodeCoordinatorRecord({ kind: 'group', groupId: 'grp', value: null });
    expect(key.toString('hex')).toBe('0002' + '0003' + Buffer.from('grp').toString('hex'));
    expect(value).toBeNull();
  });

  const samples: CoordinatorRecord[] = [
    {
      kind: 'offset',
      groupId: 'g1',
      topic: 'orders',
      partition: 3,
      value: {
        offset: 42,
        leaderEpoch: 5,
        metadata: 'meta',
        commitTimestampMs: 1_700_000_000_000,
        expireTimestampMs: -1,
      },
    },
    {
      kind: 'offset',
      groupId: 'g1',
      topic: 'orders',
      partition: 4,
      value: {
        offset: 7,
        leaderEpoch: -1,
        metadata: '',
        commitTimestampMs: 1_700_000_000_000,
        expireTimestampMs: 1_700_000_100_000,
      },
    },
    { kind: 'offset', groupId: 'g1', topic: 'orders', partition: 3, value: null },
    {
      kind: 'group',
      groupId: 'g2',
      value: {
        protocolType: 'consumer',
        generation: 9,
        protocol: 'range',
        leader: 'm1',
        currentStateTimestampMs: 1_700_000_000_123,
        members: [
          {
            memberId: 'm1',
            groupInstanceId: 'instance-1',
            clientId: 'c',
            clientHost: '/10.0.0.1',
            rebalanceTimeoutMs: 30_000,
            sessionTimeoutMs: 10_000,
            subscription: Buffer.from([1, 2, 3]),
            assignment: Buffer.alloc(0),
          },
        ],
      },
    },
    {
      kind: 'group',
      groupId: 'g2',
      value: {
        protocolType: '',
        generation: 1,
        protocol: null,
        leader: null,
        currentStateTimestampMs: -1,
        members: [],
      },
    },
  ];

  it.each(samples.map((s, i) => [i, s] as const))('round-trips sample %i', (_, record) => {
    const { key, value } = encodeCoordinatorRecord(record);
    expect(decodeCoordinatorRecord(key, value)).toEqual(record);
  });

  it('skips a key version it does not know', () => {
    expect(decodeCoordinatorRecord(Buffer.from([0, 9, 0, 0]), null)).toBeNull();
  });
});
