/**
 * Bytes of 3 hashes: the shortest run of hashes whose base64 has no padding (24 bytes, 32
 * characters), so the base64 of a longer run begins with the base64 of every whole group before it.
 */
const GROUP_HASHES = 3;
const GROUP_CHARS = 32;

/** An empty slot of the hash table: no hash is negative. */
const EMPTY = -1;
/** The largest hash (hashEventId gives 52 bits). */
const MAX_HASH = 2 ** 52 - 1;

/**
 * The 52-bit hashes of the event ids one shard's Lambda window has aggregated: in insertion order
 * in a Float64Array whose base64 is the window state's `seen` string, and in an open-addressing
 * hash table of doubles to look them up (a Set<number> of hashes above 2^31 boxes each one, and
 * its lookups cost most of a record's time in the window step). `encode()` only encodes what was
 * added since the last encoding: the base64 of the whole array is the string it returned last time
 * up to its last whole group of 3 hashes, then the rest (byte-identical to encoding everything again).
 *
 * @example
 *   const seen = SeenEventIds.decode(state.seen);
 *   if (!seen.has(hash)) seen.add(hash);
 *   state.seen = seen.encode();
 */
export class SeenEventIds {
  private hashes: Float64Array;
  private count = 0;
  /** Linear probing from the hash's low bits; at most half full. */
  private table: Float64Array;
  private mask: number;
  /** The base64 of the first `encodedCount` hashes. */
  private encoded = '';
  private encodedCount = 0;

  private constructor(capacity: number) {
    this.hashes = new Float64Array(capacity);
    this.table = new Float64Array(tableSizeFor(capacity)).fill(EMPTY);
    this.mask = this.table.length - 1;
  }

  /** Reads a state's `seen` (base64 of a Float64Array; undefined at the start of a Lambda window). */
  static decode(seen: string | undefined): SeenEventIds {
    if (!seen) return new SeenEventIds(1024);
    const bytes = Buffer.from(seen, 'base64');
    if (bytes.byteLength % 8 !== 0) throw new Error(`the window state's seen set is no whole number of hashes`);
    const stored = new Float64Array(bytes.byteLength / 8);
    new Uint8Array(stored.buffer).set(bytes);
    const ids = new SeenEventIds(Math.max(1024, stored.length));
    let kept = 0;
    for (const hash of stored) {
      // What this class never writes (a repeat, or no hash at all) is dropped.
      if (!(Number.isInteger(hash) && hash >= 0 && hash <= MAX_HASH) || ids.has(hash)) continue;
      ids.add(hash);
      kept++;
    }
    // Continue from `seen` only if it is exactly the base64 this class writes (no line breaks, padded).
    if (kept === stored.length && seen.length === 4 * Math.ceil(bytes.byteLength / 3)) {
      ids.encoded = seen;
      ids.encodedCount = kept;
    }
    return ids;
  }

  /** How many hashes it holds. */
  get size(): number {
    return this.count;
  }

  /** Whether the hash was added before. */
  has(hash: number): boolean {
    const table = this.table;
    const mask = this.mask;
    for (let i = (hash >>> 0) & mask; ; i = (i + 1) & mask) {
      const slot = table[i]!;
      if (slot === hash) return true;
      if (slot === EMPTY) return false;
    }
  }

  /** Adds a hash (0 to 2^52 - 1) not held yet: the caller checks `has` first. */
  add(hash: number): void {
    if (this.count === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.count++] = hash;
    if (this.count * 2 > this.table.length) this.rehash(tableSizeFor(this.count * 2));
    else this.insert(hash);
  }

  /** The base64 of the hashes in insertion order, as `Float64Array.from(set)` then base64 would give. */
  encode(): string {
    if (this.encodedCount === this.count) return this.encoded;
    const whole = this.encodedCount - (this.encodedCount % GROUP_HASHES);
    const rest = Buffer.from(this.hashes.buffer, whole * 8, (this.count - whole) * 8).toString('base64');
    this.encoded = this.encoded.slice(0, (whole / GROUP_HASHES) * GROUP_CHARS) + rest;
    this.encodedCount = this.count;
    return this.encoded;
  }

  private insert(hash: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = (hash >>> 0) & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = hash;
  }

  private rehash(size: number): void {
    this.table = new Float64Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (let k = 0; k < this.count; k++) this.insert(this.hashes[k]!);
  }
}

/** The power of two at least twice `count`, so the table stays at most half full. */
function tableSizeFor(count: number): number {
  let size = 16;
  while (size < count * 2) size *= 2;
  return size;
}

/**
 * What a warm execution environment keeps of the windows it advanced: per shard, the decoded seen
 * set of the state string it returned last. Lambda hands the next invocation of that shard's window
 * the returned state, so the next call finds its `seen` here instead of decoding 64,000 hashes; an
 * invocation that failed is retried with the state from before it, whose string differs, so it
 * decodes. An entry is taken out while a call works on it (a call that throws leaves nothing
 * behind) and put back with the string it encodes to: an entry is always exactly the decoding of
 * its string. A cold start, or another environment, starts empty and decodes.
 *
 * @example
 *   const seen = cache.take(shard, state.seen);
 *   // … add hashes …
 *   state.seen = seen.encode();
 *   cache.keep(shard, state.seen, seen);
 */
export class SeenEventIdsCache {
  private readonly entries = new Map<string, { seen: string; ids: SeenEventIds }>();

  /**
   * `maxShards`: how many shards' sets it keeps (the least recently kept goes first), each about
   * 2.2 MB at 64,000 ids (the array, a table of twice as many slots, the string): 35 MB at most.
   */
  constructor(private readonly maxShards = 16) {}

  /** The seen set for this shard's state string: the kept one if it was kept for exactly this string, else decoded. */
  take(shard: string, seen: string | undefined): SeenEventIds {
    const entry = this.entries.get(shard);
    this.entries.delete(shard);
    if (entry && seen !== undefined && entry.seen === seen) return entry.ids;
    return SeenEventIds.decode(seen);
  }

  /** Keeps a shard's set with the state string it encodes to (`ids.encode()`), for the shard's next call. */
  keep(shard: string, seen: string, ids: SeenEventIds): void {
    this.entries.delete(shard);
    this.entries.set(shard, { seen, ids });
    if (this.entries.size > this.maxShards) this.entries.delete(this.entries.keys().next().value!);
  }
}
