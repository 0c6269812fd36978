// Everything that travels on the simulated network. Node 0 is the controller, 1..N the replicas,
// 100.. the clients. Replication messages are the core's own plain-data types; the batches of an
// AppendRequest are SimBatches (BatchInfo plus the client values, standing in for the bytes).
import type { AppendRequest, AppendResponse, SealResponse } from '../../../src/replication/protocol/index.js';

export const CONTROLLER_ID = 0;
export const CLIENT_ID_BASE = 100;

export type ProduceError = 'NOT_LEADER_OR_FOLLOWER' | 'NOT_ENOUGH_REPLICAS' | 'REQUEST_TIMED_OUT';

export type SimMessage =
  | { readonly kind: 'append'; readonly from: number; readonly to: number; readonly request: AppendRequest }
  | { readonly kind: 'appendResponse'; readonly from: number; readonly to: number; readonly response: AppendResponse }
  | { readonly kind: 'seal'; readonly from: number; readonly to: number; readonly epoch: number }
  | { readonly kind: 'sealResponse'; readonly from: number; readonly to: number; readonly response: SealResponse }
  /** Broker heartbeat to the controller: which incarnation, and which epoch it actively leads (-1: none). */
  | {
      readonly kind: 'heartbeat';
      readonly from: number;
      readonly to: number;
      readonly incarnation: number;
      readonly leadingEpoch: number;
    }
  /** The committed PartitionChange, pushed by the controller or sent in answer to a poll. */
  | {
      readonly kind: 'partitionChange';
      readonly from: number;
      readonly to: number;
      readonly epoch: number;
      readonly leader: number;
    }
  | { readonly kind: 'poll'; readonly from: number; readonly to: number }
  | {
      readonly kind: 'produce';
      readonly from: number;
      readonly to: number;
      readonly requestId: number;
      readonly values: readonly number[];
    }
  | {
      readonly kind: 'produceResponse';
      readonly from: number;
      readonly to: number;
      readonly requestId: number;
      readonly error: ProduceError | null;
      readonly baseOffset: number;
      readonly epoch: number;
    };
