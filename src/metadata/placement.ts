// Where a new partition's replicas go. Brokers are put in rack-alternating order (the first broker of
// each rack, then the second of each, …), the leader of each new partition is the next broker of that
// order, and its followers are the brokers after it whose rack the partition does not yet use, until
// every rack holds one; only then does a rack get a second replica. With no racks set (or one rack)
// this is plain round-robin over the brokers in the order given, as before racks existed.
// The order is Kafka's rack-aware assignment (KIP-36); a rack can be a zone just as well.

export interface PlacementBroker {
  readonly nodeId: number;
  /** broker.rack; brokers without one share a rack of their own. */
  readonly rack: string | null;
}

/** The brokers interleaved by rack: racks in name order, brokers of a rack in the order given. */
export function rackAlternated(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byRack = new Map<string, PlacementBroker[]>();
  for (const broker of brokers) {
    const key = broker.rack ?? '';
    const members = byRack.get(key);
    if (members) members.push(broker);
    else byRack.set(key, [broker]);
  }
  const racks = [...byRack.keys()].sort().map((rack) => byRack.get(rack)!);
  const out: PlacementBroker[] = [];
  for (let depth = 0; out.length < brokers.length; depth++) {
    for (const members of racks) if (depth < members.length) out.push(members[depth]!);
  }
  return out;
}

/**
 * The replicas (leader first) of the partition placed `cursor`-th over `ordered` (from
 * `rackAlternated`): `factor` distinct brokers, on distinct racks while racks remain.
 */
export function placeReplicas(ordered: readonly PlacementBroker[], factor: number, cursor: number): number[] {
  const count = ordered.length;
  const rackCount = new Set(ordered.map((b) => b.rack ?? '')).size;
  const chosen: PlacementBroker[] = [];
  const racksUsed = new Set<string>();
  const take = (broker: PlacementBroker): void => {
    chosen.push(broker);
    racksUsed.add(broker.rack ?? '');
  };
  take(ordered[cursor % count]!);
  // First pass: a new rack each time while some rack has no replica; the second fills up the rest.
  for (const sameRackAllowed of [false, true]) {
    for (let step = 1; step < count && chosen.length < factor; step++) {
      const broker = ordered[(cursor + step) % count]!;
      if (chosen.includes(broker)) continue;
      if (!sameRackAllowed && racksUsed.size < rackCount && racksUsed.has(broker.rack ?? '')) continue;
      take(broker);
    }
  }
  return chosen.map((b) => b.nodeId);
}

// ---------------------------------------------------------------- copysets
// With replica.placement.policy=copyset, replica sets come from a small fixed family, the
// copysets of Cidon et al. ("Copysets: reducing the frequency of data loss in cloud storage",
// USENIX ATC 2013), as LogDevice offers: P = ceil(S / (R - 1)) random permutations of the brokers
// (S the scatter width, R the replication factor), each cut into consecutive groups of R. A
// partition's leader rotates over the brokers as before; its followers are the rest of one copyset
// holding the leader. Fewer distinct replica sets means simultaneous failures of R brokers lose
// data less often, at the cost of fewer brokers sharing each one's data when it is rebuilt
// (docs/architecture.md computes both). The permutations are drawn from a generator seeded by the
// broker ids, so the family is the same on every controller until the brokers change.

/** A small deterministic generator (mulberry32); placement needs repeatability, not quality. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function seedOf(brokers: readonly PlacementBroker[]): number {
  let hash = 2166136261;
  for (const id of brokers.map((b) => b.nodeId).sort((a, b) => a - b)) {
    hash = Math.imul(hash ^ id, 16777619) >>> 0;
  }
  return hash;
}

/** The copysets (sorted node ids each) of `brokers` for replication factor `factor`. */
export function copysets(brokers: readonly PlacementBroker[], factor: number, scatterWidth: number): number[][] {
  if (factor <= 1) return brokers.map((b) => [b.nodeId]);
  const permutations = Math.max(1, Math.ceil(scatterWidth / (factor - 1)));
  const random = generator(seedOf(brokers));
  const seen = new Set<string>();
  const out: number[][] = [];
  const add = (group: readonly PlacementBroker[]): void => {
    const ids = group.map((b) => b.nodeId).sort((a, b) => a - b);
    const key = ids.join(',');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(ids);
  };
  const base = [...brokers].sort((a, b) => a.nodeId - b.nodeId);
  for (let p = 0; p < permutations; p++) {
    const shuffled = [...base];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    // Interleaved by rack, so a group of R spans R racks where the racks allow it.
    const order = rackAlternated(shuffled);
    let at = 0;
    for (; at + factor <= order.length; at += factor) add(order.slice(at, at + factor));
    // The brokers left over join the permutation's first ones, so every broker is in a copyset.
    if (at < order.length) add([...order.slice(at), ...order.slice(0, factor - (order.length - at))]);
  }
  return out;
}

/**
 * The replicas (leader first) of the partition placed `cursor`-th: the leader rotates over
 * `ordered` (from `rackAlternated`), the followers are the rest of one of the leader's copysets,
 * taken in turn.
 */
export function placeOnCopysets(
  sets: readonly (readonly number[])[],
  ordered: readonly PlacementBroker[],
  cursor: number,
): number[] {
  const leader = ordered[cursor % ordered.length]!.nodeId;
  const holding = sets.filter((s) => s.includes(leader));
  const set = holding[Math.floor(cursor / ordered.length) % holding.length]!;
  return [leader, ...set.filter((id) => id !== leader)];
}
