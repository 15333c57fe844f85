/**
 * Hashes per chunk of the state's `seen`: a multiple of 3 (24 bytes, 32 base64 characters, no
 * padding), so the chunks joined are the base64 of all the hashes. 4,096 characters: a call (500
 * records a batch here) fills a chunk or two, so what is encoded and checked again at each call,
 * the last chunk, is no bigger than what the call adds; 167 chunks at capacity cost 500 bytes of
 * JSON. Under the 16,383 characters above which V8 hashes a string by its length alone, so a Set
 * of chunks stays a hash lookup (local/esm/json-byte-length.ts).
 */
export const CHUNK_HASHES = 384;
/** The base64 length of a full chunk. */
export const CHUNK_CHARS = (CHUNK_HASHES / 3) * 32;

/** A 52-bit hash of an event id (two FNV-1a 32-bit hashes): a collision in 64,000 ids is about 1 in 2 million. */
export function hashEventId(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (b >>> 12) * 0x1_0000_0000 + (a >>> 0);
}

/** An empty slot of the hash table: no hash is negative. */
const EMPTY = -1;
/** The largest hash (hashEventId gives 52 bits). */
const MAX_HASH = 2 ** 52 - 1;

/**
 * A window state's `seen`: the base64 of a Float64Array of hashes in insertion order, cut into
 * chunks of CHUNK_HASHES (every chunk full but the last). A chunk, once full, is the same string in
 * every later state of the Lambda window, so what handles the state (a warm cache, the stand-in's
 * measure of the 1 MB limit) works per call on the last chunk only, not on the whole set. A single
 * string (the layout before chunks) is still read: its chunks joined.
 */
export type SeenState = string | readonly string[];

/**
 * The 52-bit hashes of the event ids one shard's Lambda window has aggregated: in insertion order
 * in a Float64Array whose base64, in chunks, is the window state's `seen`, and in an open-addressing
 * hash table of doubles to look them up (a Set<number> of hashes above 2^31 boxes each one, and
 * its lookups cost most of a record's time in the window step). `encode()` encodes each full chunk
 * once and keeps it; only the last, partial chunk is encoded again as it grows.
 *
 * @example
 *   const seen = SeenEventIds.decode(state.seen);
 *   if (seen.addIfAbsent(hash, SEEN_CAPACITY) === 'seen') duplicates++;
 *   state.seen = seen.encode();
 */
export class SeenEventIds {
  private hashes: Float64Array;
  private count = 0;
  /** Linear probing from the hash's low bits; at most half full. */
  private table: Float64Array;
  private mask: number;
  /** The base64 of each full chunk encoded so far, in order. */
  private readonly fullChunks: string[] = [];
  /** What encode() returned last, and for how many hashes. */
  private encoded: readonly string[] = [];
  private encodedCount = 0;

  private constructor(capacity: number) {
    this.hashes = new Float64Array(capacity);
    this.table = new Float64Array(tableSizeFor(capacity)).fill(EMPTY);
    this.mask = this.table.length - 1;
  }

  /** Reads a state's `seen` (chunks, or one string as before chunks; undefined at the start of a Lambda window). */
  static decode(seen: SeenState | undefined): SeenEventIds {
    if (seen === undefined || seen.length === 0) return new SeenEventIds(1024);
    const text = typeof seen === 'string' ? seen : seen.join('');
    const bytes = Buffer.from(text, 'base64');
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
    // The state's own chunk strings are kept where each is exactly the chunk encode() writes, so a
    // state read cold goes on with the same strings (the stand-in measures a string once).
    if (typeof seen !== 'string' && kept === stored.length) {
      const full = Math.floor(kept / CHUNK_HASHES);
      let same = seen.length === full + (kept > full * CHUNK_HASHES ? 1 : 0);
      for (let c = 0; c < full; c++) {
        const chunk = ids.base64(c * CHUNK_HASHES, (c + 1) * CHUNK_HASHES);
        const own = seen[c] === chunk;
        same &&= own;
        ids.fullChunks.push(own ? seen[c]! : chunk);
      }
      if (same && (full === seen.length || seen[full] === ids.base64(full * CHUNK_HASHES, kept))) {
        ids.encoded = seen;
        ids.encodedCount = kept;
      }
    }
    return ids;
  }

  /** How many hashes it holds. */
  get size(): number {
    return this.count;
  }

  /** How many hashes it holds before its arrays grow. */
  get capacity(): number {
    return this.hashes.length;
  }

  /**
   * Empties the set for a new Lambda window, keeping its arrays at the size they reached: a shard's
   * windows hold about as many ids each, so the next one fills them without growing (no copy, no
   * rehash, no new arrays).
   */
  private clear(): void {
    this.count = 0;
    this.table.fill(EMPTY);
    this.fullChunks.length = 0;
    this.encoded = [];
    this.encodedCount = 0;
  }

  /**
   * The set of a state's `seen` (decode), or for a window's start (no `seen`) this set emptied if
   * it is given (a set nothing else holds any more: its state belongs to a window that ended).
   */
  static reuseOrDecode(seen: SeenState | undefined, spare: SeenEventIds | undefined): SeenEventIds {
    if (spare === undefined || !(seen === undefined || seen.length === 0)) return SeenEventIds.decode(seen);
    spare.clear();
    return spare;
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
    this.append(hash);
    if (this.count * 2 > this.table.length) this.rehash(tableSizeFor(this.count * 2));
    else this.insert(hash);
  }

  /**
   * `has`, then `add` while it holds fewer than `capacity`, in one walk of the table: 'seen' if it
   * held the hash, 'added', or 'full' (not held, and not added).
   *
   * @example if (ids.addIfAbsent(hash, SEEN_CAPACITY) === 'seen') duplicates++;
   */
  addIfAbsent(hash: number, capacity: number): 'seen' | 'added' | 'full' {
    const table = this.table;
    const mask = this.mask;
    let i = (hash >>> 0) & mask;
    for (let slot = table[i]!; slot !== EMPTY; slot = table[i]!) {
      if (slot === hash) return 'seen';
      i = (i + 1) & mask;
    }
    if (this.count >= capacity) return 'full';
    this.append(hash);
    if (this.count * 2 > table.length) this.rehash(tableSizeFor(this.count * 2));
    else table[i] = hash;
    return 'added';
  }

  /**
   * addIfAbsent(hashEventId(id), capacity), the hash made, looked up and stored within this one
   * function: a hash above 2^31 handed to a function not inlined into its caller is boxed, a new
   * heap number for every record (the aggregate's hot path). Its hash is hashEventId's, inline.
   *
   * @example if (ids.addIdIfAbsent(event.event_id, SEEN_CAPACITY) === 'seen') duplicates++;
   */
  addIdIfAbsent(id: string, capacity: number): 'seen' | 'added' | 'full' {
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ id.length;
    for (let k = 0; k < id.length; k++) {
      const c = id.charCodeAt(k);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    const hash = (b >>> 12) * 0x1_0000_0000 + (a >>> 0);
    const table = this.table;
    const mask = this.mask;
    let i = (a >>> 0) & mask;
    for (let slot = table[i]!; slot !== EMPTY; slot = table[i]!) {
      if (slot === hash) return 'seen';
      i = (i + 1) & mask;
    }
    if (this.count >= capacity) return 'full';
    if (this.count === this.hashes.length) this.growHashes();
    this.hashes[this.count++] = hash;
    if (this.count * 2 > table.length) this.rehash(tableSizeFor(this.count * 2));
    else table[i] = hash;
    return 'added';
  }

  private append(hash: number): void {
    if (this.count === this.hashes.length) this.growHashes();
    this.hashes[this.count++] = hash;
  }

  private growHashes(): void {
    const grown = new Float64Array(this.hashes.length * 2);
    grown.set(this.hashes);
    this.hashes = grown;
  }

  /**
   * The state's `seen`: the base64 of the hashes in insertion order (as `Float64Array.from(set)`
   * then base64 would give) in chunks of CHUNK_HASHES. A new array whenever a hash was added since
   * the last call (a state handed back is never changed), its full chunks the strings of before.
   */
  encode(): readonly string[] {
    if (this.encodedCount === this.count) return this.encoded;
    const full = Math.floor(this.count / CHUNK_HASHES);
    while (this.fullChunks.length < full) {
      const from = this.fullChunks.length * CHUNK_HASHES;
      this.fullChunks.push(this.base64(from, from + CHUNK_HASHES));
    }
    const chunks = this.fullChunks.slice();
    if (full * CHUNK_HASHES < this.count) chunks.push(this.base64(full * CHUNK_HASHES, this.count));
    this.encoded = chunks;
    this.encodedCount = this.count;
    return chunks;
  }

  private base64(from: number, to: number): string {
    return Buffer.from(this.hashes.buffer, from * 8, (to - from) * 8).toString('base64');
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
 * set of the state's `seen` it returned last. Lambda hands the next invocation of that shard's
 * window the returned state, so the next call finds its `seen` here instead of decoding 64,000
 * hashes; an invocation that failed is retried with the state from before it, whose `seen` differs,
 * so it decodes. An entry is taken out while a call works on it (a call that throws leaves nothing
 * behind) and put back with the `seen` it encodes to: an entry is always exactly the decoding of
 * its `seen`. A cold start, or another environment, starts empty and decodes. A shard's set is kept
 * after its Lambda window's last call too: the next window (which starts with no `seen`) takes it
 * emptied, its arrays at the size the last window reached, instead of growing a new set from 1,024.
 *
 * @example
 *   const seen = cache.take(shard, state.seen);
 *   // … add hashes …
 *   state.seen = seen.encode();
 *   cache.keep(shard, state.seen, seen);
 */
export class SeenEventIdsCache {
  private readonly entries = new Map<string, { seen: SeenState; ids: SeenEventIds }>();

  /**
   * `maxShards`: how many shards' sets it keeps (the least recently kept goes first), each about
   * 2.2 MB at 64,000 ids (the array, a table of twice as many slots, the chunks): 35 MB at most.
   */
  constructor(private readonly maxShards = 16) {}

  /**
   * The seen set for this shard's state `seen`: the kept one if it was kept for exactly this text,
   * else decoded. At a new Lambda window (no `seen`) the shard's kept set, whose window has ended,
   * is emptied and handed back at the size it reached, so the window fills it without growing.
   */
  take(shard: string, seen: SeenState | undefined): SeenEventIds {
    const entry = this.entries.get(shard);
    this.entries.delete(shard);
    if (entry && seen !== undefined && sameSeen(entry.seen, seen)) return entry.ids;
    return SeenEventIds.reuseOrDecode(seen, entry?.ids);
  }

  /** Keeps a shard's set with the `seen` it encodes to (`ids.encode()`), for the shard's next call. */
  keep(shard: string, seen: SeenState, ids: SeenEventIds): void {
    this.entries.delete(shard);
    this.entries.set(shard, { seen, ids });
    if (this.entries.size > this.maxShards) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Whether two states' `seen` are the same text cut the same way. Chunks carried from call to call
 * are the same strings, which compare in constant time; only a chunk that differs is read.
 */
function sameSeen(a: SeenState, b: SeenState): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) if (a[c] !== b[c]) return false;
  return true;
}
