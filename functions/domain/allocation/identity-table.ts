import { principalOf, resourceOf, type Allocatable } from './allocation';

/** Fields of a record every identity compares, before the tags the policy reads. */
const FIELDS = 8;
const EMPTY = -1;

/**
 * Numbers records by allocation identity: the fields allocation reads (provider, sub-account, service,
 * usage type, API key, model, IAM principal, resource, and the given tags), so two records get one number only when allocation
 * could not tell them apart.
 *
 * Each field value is interned into a small integer (undefined and null apart, then one Map per field;
 * Map keys compare by value, so nothing can collide), and the tuple of integers is looked up in an
 * open-addressing hash table of typed arrays. Per record that is one Map lookup per field and one probe:
 * no key string, no object, nothing for the garbage collector. Numbers are dense, in the order first seen.
 */
export class IdentityTable {
  private readonly width: number;
  private readonly interned: Array<Map<unknown, number>>;
  /** The record being looked up, as interned integers (reused, never reallocated). */
  private readonly probe: Int32Array;
  /** Identity `k`'s integers at `[k * width, (k + 1) * width)`. */
  private tuples: Int32Array;
  /** Open-addressing slots holding identity numbers, or {@link EMPTY}; a power of two long. */
  private slots: Int32Array;
  private count = 0;

  constructor(private readonly tagKeys: readonly string[]) {
    this.width = FIELDS + tagKeys.length;
    this.interned = Array.from({ length: this.width }, () => new Map<unknown, number>());
    this.probe = new Int32Array(this.width);
    this.tuples = new Int32Array(this.width * 1024);
    this.slots = new Int32Array(2048).fill(EMPTY);
  }

  /** How many identities have been numbered. */
  get size(): number {
    return this.count;
  }

  /** The record's identity number; a record unlike any before gets the next one, {@link size} before the call. */
  indexOf(r: Allocatable): number {
    const probe = this.probe;
    probe[0] = this.intern(0, r.provider);
    probe[1] = this.intern(1, r.subAccountId);
    probe[2] = this.intern(2, r.serviceName);
    probe[3] = this.intern(3, r.usageType);
    probe[4] = this.intern(4, r.apiKeyId);
    probe[5] = this.intern(5, r.model);
    probe[6] = this.intern(6, principalOf(r));
    probe[7] = this.intern(7, resourceOf(r));
    for (let k = 0; k < this.tagKeys.length; k++) probe[FIELDS + k] = this.intern(FIELDS + k, r.tags[this.tagKeys[k]!]);
    const mask = this.slots.length - 1;
    for (let s = hashOf(probe, 0, this.width) & mask; ; s = (s + 1) & mask) {
      const index = this.slots[s]!;
      if (index === EMPTY) return this.add(s);
      if (this.matches(index)) return index;
    }
  }

  /** A field value's integer: 0 for undefined, 1 for null (no Map lookup: most fields of most records are one of them), then 2, 3, ... */
  private intern(field: number, value: unknown): number {
    if (value == null) return value === undefined ? 0 : 1;
    const ids = this.interned[field]!;
    let id = ids.get(value);
    if (id === undefined) ids.set(value, (id = ids.size + 2));
    return id;
  }

  private matches(index: number): boolean {
    const { probe, tuples, width } = this;
    const base = index * width;
    for (let k = 0; k < width; k++) if (tuples[base + k] !== probe[k]) return false;
    return true;
  }

  /** Stores the probe as the next identity in the empty slot `s`, or rehashes into twice the slots once half are full. */
  private add(s: number): number {
    const index = this.count++;
    if (this.count * this.width > this.tuples.length) {
      const grown = new Int32Array(this.tuples.length * 2);
      grown.set(this.tuples);
      this.tuples = grown;
    }
    this.tuples.set(this.probe, index * this.width);
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[s] = index;
    return index;
  }

  private rehash(capacity: number): void {
    const slots = new Int32Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let index = 0; index < this.count; index++) {
      let s = hashOf(this.tuples, index * this.width, this.width) & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = index;
    }
    this.slots = slots;
  }
}

/** A 32-bit hash of `width` integers from `start` (FNV-style mixing, then a final avalanche). */
function hashOf(values: Int32Array, start: number, width: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < start + width; k++) h = Math.imul(h ^ values[k]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
