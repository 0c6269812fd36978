// The versions of each API this client is written for, and the choice, per broker, of the newest
// version both sides speak (from the broker's ApiVersions answer). Requests are written with every
// field of the newest version listed here; the codec leaves out what an older version lacks and
// fills what a response lacks with its default, so one body serves every version in the range.
// Ranges stop where a request's shape changes (OffsetFetch v8 asks for many groups,
// FindCoordinator v4 for many keys, DeleteTopics v6 names topics by struct).
import { errorName } from '../common/index.js';
import { ClientError } from './errors.js';

export const Api = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  ElectLeaders: 43,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  DescribeQuorum: 55,
  UnregisterBroker: 64,
  AddRaftVoter: 80,
  RemoveRaftVoter: 81,
} as const;

export type ApiKey = (typeof Api)[keyof typeof Api];

const CLIENT_RANGES: Readonly<Record<ApiKey, readonly [number, number]>> = {
  [Api.Produce]: [3, 9],
  [Api.Fetch]: [4, 12],
  [Api.ListOffsets]: [1, 6],
  [Api.Metadata]: [1, 9],
  [Api.OffsetCommit]: [2, 8],
  [Api.OffsetFetch]: [1, 7],
  [Api.FindCoordinator]: [1, 3],
  [Api.JoinGroup]: [1, 7],
  [Api.Heartbeat]: [0, 4],
  [Api.LeaveGroup]: [0, 4],
  [Api.SyncGroup]: [0, 4],
  [Api.DescribeGroups]: [0, 5],
  [Api.ListGroups]: [0, 4],
  [Api.SaslHandshake]: [1, 1],
  [Api.ApiVersions]: [0, 3],
  [Api.CreateTopics]: [2, 7],
  [Api.DeleteTopics]: [1, 5],
  [Api.DescribeAcls]: [1, 3],
  [Api.CreateAcls]: [1, 3],
  [Api.DeleteAcls]: [1, 3],
  [Api.DescribeConfigs]: [1, 4],
  [Api.SaslAuthenticate]: [0, 2],
  [Api.CreatePartitions]: [0, 3],
  [Api.DeleteGroups]: [0, 2],
  [Api.ElectLeaders]: [1, 2],
  [Api.IncrementalAlterConfigs]: [0, 1],
  [Api.AlterPartitionReassignments]: [0, 0],
  [Api.ListPartitionReassignments]: [0, 0],
  [Api.DescribeUserScramCredentials]: [0, 0],
  [Api.AlterUserScramCredentials]: [0, 0],
  [Api.DescribeQuorum]: [0, 2],
  [Api.UnregisterBroker]: [0, 0],
  [Api.AddRaftVoter]: [0, 1],
  [Api.RemoveRaftVoter]: [0, 0],
};

const NAMES = new Map<number, string>(Object.entries(Api).map(([name, key]) => [key, name]));

export function apiName(apiKey: number): string {
  return NAMES.get(apiKey) ?? `api ${apiKey}`;
}

/** The broker's advertised ranges, by API key. */
export type BrokerRanges = ReadonlyMap<number, { readonly minVersion: number; readonly maxVersion: number }>;

/** The newest version of `apiKey` both sides speak; a clear error when there is none. */
export function chooseVersion(apiKey: ApiKey, broker: BrokerRanges, address: string): number {
  const [clientMin, clientMax] = CLIENT_RANGES[apiKey];
  const range = broker.get(apiKey);
  if (range === undefined) {
    throw new ClientError(`${address} does not support ${apiName(apiKey)} (API key ${apiKey})`, null);
  }
  const version = Math.min(clientMax, range.maxVersion);
  if (version < clientMin || version < range.minVersion) {
    throw new ClientError(
      `${address} speaks ${apiName(apiKey)} v${range.minVersion}-${range.maxVersion}, ` +
        `this client v${clientMin}-${clientMax}`,
      null,
    );
  }
  return version;
}

export function unsupportedVersionError(address: string, code: number): ClientError {
  return new ClientError(`${address} refused ApiVersions: ${errorName(code)}`, code);
}
