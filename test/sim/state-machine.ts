// The simulated application: it folds every applied entry into a running hash, so two nodes
// that applied the same sequence hold the same (index, hash). Its snapshot is that pair. The
// driver hands it the normal entries only (no leader no-ops, no membership changes), so `index`
// is the last one applied, not the applied index.
import type { RaftStateMachine } from '../../src/raft/driver.js';
import type { Entry } from '../../src/raft/index.js';

export interface MachineState {
  index: number;
  hash: number;
}

export const INITIAL_HASH = 0x811c9dc5;

/** FNV-1a over the entry's index, term, type and data. */
export function foldEntry(hash: number, e: Entry): number {
  let h = hash >>> 0;
  const mix = (byte: number): void => {
    h ^= byte & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (const n of [e.index, e.term]) for (let s = 0; s < 32; s += 8) mix(n >>> s);
  mix(e.type === 'normal' ? 1 : 2);
  for (let i = 0; i < e.data.byteLength; i++) mix(e.data[i] as number);
  return h;
}

export function dataHash(data: Uint8Array): number {
  let h = INITIAL_HASH;
  for (let i = 0; i < data.byteLength; i++) {
    h ^= data[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function encodeMachine(m: MachineState): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setFloat64(0, m.index);
  v.setUint32(8, m.hash);
  return out;
}

export function decodeMachine(data: Uint8Array): MachineState {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { index: v.getFloat64(0), hash: v.getUint32(8) };
}

/** What the machine tells the simulation as it runs. */
export interface MachineObserver {
  /** `entry` was applied after `previousIndex`, leaving `hash`. */
  applied(entry: Entry, previousIndex: number, hash: number): void;
  restored(index: number, hash: number): void;
  snapshotTaken(): void;
}

/** The driver's state machine in the simulation: folds every applied entry into the hash. */
export class HashMachine implements RaftStateMachine {
  state: MachineState = { index: 0, hash: INITIAL_HASH };

  constructor(private readonly observer: MachineObserver) {}

  apply(entry: Entry): void {
    const previousIndex = this.state.index;
    this.state = { index: entry.index, hash: foldEntry(this.state.hash, entry) };
    this.observer.applied(entry, previousIndex, this.state.hash);
  }

  snapshot(): Uint8Array {
    this.observer.snapshotTaken();
    return encodeMachine(this.state);
  }

  restore(data: Uint8Array): void {
    this.state = decodeMachine(data);
    this.observer.restored(this.state.index, this.state.hash);
  }
}
