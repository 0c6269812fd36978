// The inter-broker channel: Kafka requests between this cluster's brokers over the internal gRPC
// port (proto/inter-broker.proto), encoded with the Kafka codec exactly as on a Kafka connection.
// The client side keeps one gRPC client per peer (addresses from --cluster-nodes, like Raft and
// replication); the service side serves only the APIs brokers send each other, each through the
// same function its Kafka handler uses. Why not the peers' Kafka listeners: their advertised
// addresses are the clients' view of the cluster and may not be reachable from another broker
// (NAT, a container's published port), Brook has no separate inter-broker listener as Kafka does,
// and without ACLs a Kafka listener cannot tell a broker's WriteTxnMarkers from a client's; this
// port's calls carry the cluster id and its addresses are the ones every node already dials.
import {
  concat,
  createClient,
  ErrorCode,
  encodeMessageToBuffers,
  errorName,
  type grpc,
  type GrpcServer,
  KafkaError,
  limits,
  loadProto,
  type Logger,
  type NodeConfig,
  type PeerAddresses,
  Reader,
  serviceConstructor,
} from '../../common/index.js';
import { apiSchemas, decodeRequest, decodeResponse } from '../protocol/index.js';

interface KafkaCall {
  clusterId: string;
  fromNodeId: number;
  apiKey: number;
  apiVersion: number;
  request: Buffer;
}

interface KafkaReply {
  errorCode: number;
  errorMessage: string;
  response: Buffer;
}

type CallStub = grpc.Client & {
  Call(
    request: KafkaCall,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, reply?: KafkaReply) => void,
  ): void;
};

let ctorCache: grpc.ServiceClientConstructor | null = null;
function serviceCtor(): grpc.ServiceClientConstructor {
  ctorCache ??= serviceConstructor(loadProto('inter-broker.proto'), 'brook.interbroker.InterBroker');
  return ctorCache;
}

function encode(apiKey: number, apiVersion: number, which: 'request' | 'response', body: object): Buffer {
  const api = apiSchemas.get(apiKey);
  if (!api) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `no schema for api key ${apiKey}`);
  return concat(encodeMessageToBuffers(api[which], apiVersion, body));
}

/** Sends Kafka requests to other brokers of the cluster. */
export class InterBrokerClient {
  private readonly stubs = new Map<number, CallStub>();

  constructor(
    private readonly config: NodeConfig,
    /** Where each node's gRPC server is (voters as configured, brokers as registered). */
    private readonly peers: PeerAddresses,
    /** The node's peer credentials (mutual TLS when configured), as Raft and replication use. */
    private readonly credentials: grpc.ChannelCredentials,
  ) {}

  /**
   * Sends `request` (API `apiKey` at `apiVersion`) to broker `nodeId` and returns its response.
   * Rejects with KafkaError NETWORK_EXCEPTION when the call fails or times out, and with the
   * reply's error when the peer did not serve it.
   */
  async call<Req extends object, Res extends object>(
    nodeId: number,
    apiKey: number,
    apiVersion: number,
    request: Req,
    timeoutMs: number = limits.interBrokerCallTimeoutMs,
  ): Promise<Res> {
    const stub = this.stub(nodeId);
    const call: KafkaCall = {
      clusterId: this.config.clusterId,
      fromNodeId: this.config.nodeId,
      apiKey,
      apiVersion,
      request: encode(apiKey, apiVersion, 'request', request),
    };
    const reply = await new Promise<KafkaReply>((resolve, reject) => {
      stub.Call(call, { deadline: Date.now() + timeoutMs }, (err, answer) => {
        if (err || !answer) {
          reject(new KafkaError(ErrorCode.NETWORK_EXCEPTION, `node ${nodeId}: ${err?.message ?? 'no answer'}`));
          return;
        }
        resolve(answer);
      });
    });
    if (reply.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(
        reply.errorCode as ErrorCode,
        `node ${nodeId}: ${reply.errorMessage || errorName(reply.errorCode)}`,
      );
    }
    return decodeResponse<Res>(apiKey, apiVersion, new Reader(reply.response));
  }

  private stub(nodeId: number): CallStub {
    let stub = this.stubs.get(nodeId);
    if (stub) return stub;
    const address = this.peers.address(nodeId);
    if (address === null) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `node ${nodeId} is not registered`);
    stub = createClient<CallStub>(serviceCtor(), address, this.credentials);
    this.stubs.set(nodeId, stub);
    return stub;
  }

  close(): void {
    for (const stub of this.stubs.values()) stub.close();
    this.stubs.clear();
  }
}

/** What the service answers for one API: the same function its Kafka handler runs. */
export type InterBrokerServe = (request: object, apiVersion: number) => Promise<object>;

/** Serves the Kafka requests other brokers send this one. */
export class InterBrokerService {
  constructor(
    private readonly config: NodeConfig,
    /** By API key: the versions carried and how they are answered. */
    private readonly apis: ReadonlyMap<
      number,
      { readonly minVersion: number; readonly maxVersion: number; readonly serve: InterBrokerServe }
    >,
    private readonly log: Logger,
  ) {}

  register(server: GrpcServer): void {
    server.addService(serviceCtor().service, {
      Call: (call: grpc.ServerUnaryCall<KafkaCall, KafkaReply>, callback: grpc.sendUnaryData<KafkaReply>) => {
        this.serve(call.request).then(
          (reply) => callback(null, reply),
          (err: unknown) => {
            const errorCode = err instanceof KafkaError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
            if (!(err instanceof KafkaError)) this.log.error({ err }, 'inter-broker call failed');
            callback(null, { errorCode, errorMessage: (err as Error).message, response: Buffer.alloc(0) });
          },
        );
      },
    });
  }

  private async serve(call: KafkaCall): Promise<KafkaReply> {
    if (call.clusterId !== this.config.clusterId) {
      this.log.warn(
        { clusterId: call.clusterId, from: call.fromNodeId },
        'refusing an inter-broker call from another cluster',
      );
      throw new KafkaError(ErrorCode.INVALID_REQUEST, `cluster id ${call.clusterId} is not ${this.config.clusterId}`);
    }
    const api = this.apis.get(call.apiKey);
    if (!api || call.apiVersion < api.minVersion || call.apiVersion > api.maxVersion) {
      throw new KafkaError(
        ErrorCode.UNSUPPORTED_VERSION,
        `api ${call.apiKey} v${call.apiVersion} is not carried between brokers`,
      );
    }
    // A request that does not parse throws ProtocolError: answered as UNKNOWN_SERVER_ERROR, logged.
    const request = decodeRequest(call.apiKey, call.apiVersion, new Reader(call.request));
    const response = await api.serve(request, call.apiVersion);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: '',
      response: encode(call.apiKey, call.apiVersion, 'response', response),
    };
  }
}
