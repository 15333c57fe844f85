/** A random hash seed (per table unless shared), so a producer cannot choose ids that all collide. */
export function randomSeed(): number {
  return (Math.random() * 0x7fffffff) | 0;
}

/** Slots are at least twice the ids a table holds, so probe runs stay short. */
const LOAD = 2;

/**
 * A set of strings with a fixed maximum size, for the delivery ledger's event ids: open addressing
 * over a table allocated once (a Set grows by rehashing everything, and that growth was most of a
 * claim's cost), each slot's tag (8 bits of its id's hash) in a Uint8Array so a probe compares ids
 * only when tags match.
 * The ids themselves are copied, code unit by code unit, into one Uint16Array, not kept as strings:
 * a million kept strings were a million objects for the garbage collector to promote out of the
 * young generation and mark at every full collection, each stored through a write barrier, and a
 * kept id sliced from its payload kept the whole payload alive. Membership is exact: equal tags
 * are always confirmed by comparing every code unit. The hash is seeded per table, so a producer
 * cannot choose ids that all collide. Deleting leaves a tombstone (deletes are rare: only claims of
 * records that will be redelivered are released).
 *
 * @example const ids = new IdSet(500_000); ids.add('e1') // true; ids.add('e1') // false
 */
export class IdSet {
  /**
   * Per slot, a byte of its id's hash (`tagOf`; 0: empty). A probe reads only these, and the
   * ledger probes two generations per claim at random slots: at a byte a slot the tags of a
   * 200,000-id set are 512 KiB, which stay in the core's cache, where the 8-byte slots of hash and
   * start (4 MiB) made nearly every probe a cache and TLB miss (a claim was 12 % of the ingest
   * micro-benchmark; with tags, `node dist/bench.js --ingest` went from 0.471 to 0.491 of its floor,
   * medians of 5 alternating runs).
   */
  private readonly tags: Uint8Array;
  /** Per slot, where its id starts in `units` (-1 for a tombstone, a deleted id); read when a tag matches. */
  private readonly starts: Int32Array;
  /** Each id's length (two units: low and high 16 bits), then its code units, back to back in the order they were added. */
  private units: Uint16Array;
  private unitsUsed = 0;
  private readonly mask: number;
  /** Slots taken, tombstones included. */
  private used = 0;
  /** Ids held. */
  size = 0;

  /**
   * `seed` seeds the hash; sets that share one (the ledger's two generations) give an id the same
   * hash, so a caller looking an id up in both hashes it once (`hash` or `stage`, then `has` with it).
   */
  constructor(
    readonly capacity: number,
    readonly seed = randomSeed(),
  ) {
    let slots = 16;
    while (slots < capacity * LOAD) slots *= 2;
    this.tags = new Uint8Array(slots);
    this.starts = new Int32Array(slots);
    // Event ids are some 20-40 code units; the store doubles when an id does not fit.
    this.units = new Uint16Array(Math.min(capacity, 1 << 20) * 32);
    this.mask = slots - 1;
  }

  /** Whether the set is at its capacity (counting deleted slots): then replace it, add no more. */
  get full(): boolean {
    return this.used >= this.capacity;
  }

  /** Empties the set, keeping its tables (the ledger's dropped generation becomes its new young one). */
  clear(): void {
    this.tags.fill(0);
    this.unitsUsed = 0;
    this.used = 0;
    this.size = 0;
  }

  /** FNV-1a seeded, then the murmur3 finaliser. */
  hash(id: string): number {
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    return finish(h);
  }

  /**
   * hash(id), copying the id after the held ones as it goes, where addStaged() keeps it: one pass
   * over the id where hash() then add() made two (a claim's hash and copy were a third of its time).
   */
  stage(id: string): number {
    const length = id.length;
    if (this.unitsUsed + 2 + length > this.units.length) this.grow(2 + length);
    const units = this.units;
    let at = this.unitsUsed;
    units[at++] = length & 0xffff;
    units[at++] = length >>> 16;
    let h = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < length; i++, at++) {
      const c = id.charCodeAt(i);
      units[at] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    return finish(h);
  }

  /**
   * Adds the id stage() copied last, `h` its hash.
   * False, and the copy dropped, when the id was held already. Stage again before the next add.
   */
  addStaged(id: string, h: number): boolean {
    const found = this.find(id, h);
    if (found >= 0) return false;
    if (this.used >= this.capacity) throw new Error(`IdSet is full (${this.capacity})`);
    const slot = -found - 1;
    this.tags[slot] = tagOf(h);
    this.starts[slot] = this.unitsUsed;
    this.unitsUsed += 2 + id.length;
    this.used++;
    this.size++;
    return true;
  }

  /** The slot holding `id`, or -(the first empty slot on its probe run) - 1. */
  private find(id: string, h: number): number {
    const tags = this.tags;
    const tag = tagOf(h);
    let slot = h & this.mask;
    for (;;) {
      const stored = tags[slot]!;
      if (stored === 0) return -slot - 1;
      if (stored === tag && this.holds(slot, id)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Whether slot `slot` holds exactly `id` (a tombstone holds nothing). */
  private holds(slot: number, id: string): boolean {
    let at = this.starts[slot]!;
    const units = this.units;
    if (at < 0 || units[at] !== (id.length & 0xffff) || units[at + 1] !== id.length >>> 16) return false;
    at += 2;
    for (let i = 0; i < id.length; i++, at++) if (units[at] !== id.charCodeAt(i)) return false;
    return true;
  }

  /** Whether `id` is held; `h` is its hash when the caller has it already (`hash(id)`, same seed). */
  has(id: string, h?: number): boolean {
    return this.size > 0 && this.find(id, h ?? this.hash(id)) >= 0;
  }

  /** Adds `id`; false when it was there already. Throws when full (the caller replaces a full set). */
  add(id: string): boolean {
    return this.addStaged(id, this.stage(id));
  }

  delete(id: string): boolean {
    if (this.size === 0) return false;
    const found = this.find(id, this.hash(id));
    if (found < 0) return false;
    // A tombstone: the tag stays (probe runs continue past it), the id goes.
    this.starts[found] = -1;
    this.size--;
    return true;
  }

  private grow(atLeast: number): void {
    const grown = new Uint16Array(Math.max(this.units.length * 2, this.unitsUsed + atLeast));
    grown.set(this.units.subarray(0, this.unitsUsed));
    this.units = grown;
  }
}

/**
 * A slot's tag: the hash's top byte (the slot comes from its low bits), never 0 (0 marks an empty
 * slot). An id in another slot of the probe run has the same tag 1 time in 255.
 */
function tagOf(h: number): number {
  return h >>> 24 || 1;
}

/** The murmur3 finaliser over an FNV-1a state. */
function finish(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
