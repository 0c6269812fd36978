// Mutual TLS between the nodes (--peer-tls-cert, --peer-tls-key, --peer-tls-ca): the gRPC server
// asks every peer for a certificate that chains to the cluster CA and refuses the connection
// without one, and every gRPC client (Raft, the replication stream, seals and elections, control
// and forwarded admin calls) shows this node's certificate and checks the peer's against the CA
// and the host name it dialled. Without the settings the internal port is plaintext, as before.
// The files are read once at start; rotating them takes a rolling restart.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';

export interface PeerTlsFiles {
  readonly peerTlsCert: string | null;
  readonly peerTlsKey: string | null;
  readonly peerTlsCa: string | null;
}

export interface PeerCredentials {
  /** True when the internal port runs mutual TLS. */
  readonly secure: boolean;
  readonly server: grpc.ServerCredentials;
  readonly client: grpc.ChannelCredentials;
}

export const INSECURE_PEERS: PeerCredentials = {
  secure: false,
  server: grpc.ServerCredentials.createInsecure(),
  client: grpc.credentials.createInsecure(),
};

/** The node's peer credentials; throws naming the file that cannot be read. */
export function peerCredentials(files: PeerTlsFiles): PeerCredentials {
  const { peerTlsCert, peerTlsKey, peerTlsCa } = files;
  if (peerTlsCert === null || peerTlsKey === null || peerTlsCa === null) return INSECURE_PEERS;
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`peer TLS file ${path} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  };
  const cert = read(peerTlsCert);
  const key = read(peerTlsKey);
  const ca = read(peerTlsCa);
  return {
    secure: true,
    server: grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true),
    client: grpc.credentials.createSsl(ca, key, cert),
  };
}
