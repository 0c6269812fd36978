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
