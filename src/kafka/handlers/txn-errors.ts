// What the transactional APIs answer a client of an older version: PRODUCER_FENCED (90) arrived
// with KIP-588 (Kafka 2.7), and each API answers it only from the version that says so in its
// message definition; older clients get INVALID_PRODUCER_EPOCH (47), which they handle the same way.
import { ErrorCode } from '../../common/index.js';

/** `errorCode` as a client of `apiVersion` understands it, for an API that allows PRODUCER_FENCED from `fencedFrom`. */
export function forVersion(errorCode: ErrorCode, apiVersion: number, fencedFrom: number): ErrorCode {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < fencedFrom
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode;
}
