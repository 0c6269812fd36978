// The value of --cluster-nodes (Kafka's controller.quorum.voters): the Raft voters and where their
// gRPC port is. Plain ids ("1,2,3" → node<id>:9093, the docker-compose service names) or the
// explicit form "1@127.0.0.1:9093,2@127.0.0.1:9193".
import { InvalidSettingValue, structured, type ValueType } from './value-types.js';

export interface ClusterMember {
  readonly nodeId: number;
  readonly host: string;
  readonly grpcPort: number;
}

export const DEFAULT_GRPC_PORT = 9093;

export function parseClusterNodes(raw: string): ClusterMember[] {
  const members: ClusterMember[] = [];
  const parts = raw.split(',').map((part) => part.trim());
  for (const part of parts) {
    const explicit = /^(\d+)@([^:@\s]+):(\d+)$/.exec(part);
    const plain = /^(\d+)$/.exec(part);
    let member: ClusterMember;
    if (explicit) {
      member = { nodeId: Number(explicit[1]), host: explicit[2]!, grpcPort: Number(explicit[3]) };
    } else if (plain) {
      member = { nodeId: Number(plain[1]), host: `node${plain[1]}`, grpcPort: DEFAULT_GRPC_PORT };
    } else {
      throw new InvalidSettingValue(`entry '${part}' is neither <id> nor <id>@<host>:<port>`);
    }
    if (member.nodeId < 1 || member.nodeId > 2 ** 31 - 1) {
      throw new InvalidSettingValue(`id ${member.nodeId} must be in [1, 2147483647]`);
    }
    if (member.grpcPort < 1 || member.grpcPort > 65535) {
      throw new InvalidSettingValue(`port ${member.grpcPort} must be in [1, 65535]`);
    }
    if (members.some((m) => m.nodeId === member.nodeId)) {
      throw new InvalidSettingValue(`lists node ${member.nodeId} twice`);
    }
    members.push(member);
  }
  return members;
}

export function clusterNodes(): ValueType<readonly ClusterMember[]> {
  return structured({
    kafkaType: 'list',
    range: "'1,2,3' (host node<id>:9093) or '1@host:port,...'",
    placeholder: 'list',
    parse: parseClusterNodes,
    format: (members) => members.map((m) => `${m.nodeId}@${m.host}:${m.grpcPort}`).join(','),
  });
}
