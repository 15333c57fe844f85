/** A random hash seed (per table unless shared), so a producer cannot choose ids that all collide. */
export function randomSeed(): number {
  return (Math.random() * 0x7fffffff) | 0;
}

/** Slots are at least twice the ids a table holds, so probe runs stay short. */
const LOAD = 2;

/**
 * A set of strings with a fixed maximum size, for the delivery ledger's event ids: open addressing
 * over a table allocated once (a Set grows by rehashing everything, and that growth was most of a
 * claim's cost), each slot's hash in an Int32Array so a probe compares strings only when hashes
 * match. Membership is exact: equal hashes are always confirmed by comparing the strings. The hash
 * is seeded per table, so a producer cannot choose ids that all collide. Deleting leaves a
 * tombstone (deletes are rare: only claims of records that will be redelivered are released).
 *
 * @example const ids = new IdSet(500_000); ids.add('e1') // true; ids.add('e1') // false
 */
export class IdSet {
  private readonly hashes: Int32Array;
  private readonly ids: (string | null | undefined)[];
  private readonly mask: number;
  /** Slots taken, tombstones included. */
  private used = 0;
  /** Ids held. */
  size = 0;

  /**
   * `seed` seeds the hash; sets that share one (the ledger's two generations) give an id the same
   * hash, so a caller looking an id up in both hashes it once (`hash`, then `has`/`add` with it).
   */
  constructor(
    readonly capacity: number,
    readonly seed = randomSeed(),
  ) {
    let slots = 16;
    while (slots < capacity * LOAD) slots *= 2;
    this.hashes = new Int32Array(slots);
    this.ids = new Array(slots).fill(undefined);
    this.mask = slots - 1;
  }

  /** Whether the set is at its capacity (counting deleted slots): then replace it, add no more. */
  get full(): boolean {
    return this.used >= this.capacity;
  }

  /** FNV-1a seeded, then the murmur3 finaliser; never 0 (0 marks an empty slot). */
  hash(id: string): number {
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h === 0 ? 1 : h;
  }

  /** The slot holding `id`, or -(the first empty slot on its probe run) - 1. */
  private find(id: string, h: number): number {
    let slot = h & this.mask;
    for (;;) {
      const stored = this.hashes[slot]!;
      if (stored === 0) return -slot - 1;
      if (stored === h && this.ids[slot] === id) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Whether `id` is held; `h` is its hash when the caller has it already (`hash(id)`, same seed). */
  has(id: string, h?: number): boolean {
    return this.size > 0 && this.find(id, h ?? this.hash(id)) >= 0;
  }

  /** Adds `id`; false when it was there already. Throws when full (the caller replaces a full set). */
  add(id: string, h = this.hash(id)): boolean {
    const found = this.find(id, h);
    if (found >= 0) return false;
    if (this.used >= this.capacity) throw new Error(`IdSet is full (${this.capacity})`);
    const slot = -found - 1;
    this.hashes[slot] = h;
    this.ids[slot] = id;
    this.used++;
    this.size++;
    return true;
  }

  delete(id: string): boolean {
    if (this.size === 0) return false;
    const found = this.find(id, this.hash(id));
    if (found < 0) return false;
    // A tombstone: the hash stays (probe runs continue past it), the id goes.
    this.ids[found] = null;
    this.size--;
    return true;
  }
}
