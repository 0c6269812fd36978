// The metadata log as the rest of the node sees it: records are proposed, become durable and
// committed, and are applied in order to MetadataState. RaftMetadataLog implements it for every
// node, a single node being a Raft cluster of one voter.
import type { MetadataRecord } from './records.js';
import type { MetadataChange, MetadataState } from './state.js';

export type MetadataListener = (change: MetadataChange) => void;

/** Called whenever this node gains or loses the controller role, or the controller changes. */
export type ControllerChangeListener = (isController: boolean, controllerId: number) => void;

export interface MetadataLog {
  readonly state: MetadataState;
  /** True when this node may decide and write records (the controller). */
  readonly isController: boolean;
  /** The node id of the controller, or -1 while there is none. */
  readonly controllerId: number;
  /** Appends records atomically; resolves once they are committed and applied on this node. */
  propose(records: readonly MetadataRecord[]): Promise<void>;
  /** Resolves once this node has applied everything committed before the call (read-your-writes). */
  barrier(): Promise<void>;
  onChange(listener: MetadataListener): void;
  /** Called on every change of controller (this node or another); never called for a single node,
   * which is the controller from start to end. */
  onControllerChange(listener: ControllerChangeListener): void;
  close(): Promise<void>;
}
