/**
 * Seeded random streams. Every stream of a run (split, initialisation, probes) derives from the
 * run's seed and a stream name, so the same seed gives the same run and streams never overlap.
 */

/** FNV-1a hash of a string to 32 bits, mixed with a seed: the starting state of a named stream. */
function streamState(seed: number, stream: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  hash = Math.imul(hash, 0x01000193);
  hash ^= Math.floor(seed / 0x100000000);
  for (let index = 0; index < stream.length; index++) {
    hash ^= stream.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A deterministic generator of uniform doubles in [0, 1) (mulberry32, 2³² period per stream). */
export class RandomStream {
  private state: number;

  constructor(seed: number, stream: string) {
    this.state = streamState(seed, stream);
  }

  /** Next uniform double in [0, 1). Mutates the stream state. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Uniform double in [−limit, limit). */
  nextSymmetric(limit: number): number {
    return (2 * this.next() - 1) * limit;
  }

  /** Standard normal (Box–Muller). */
  nextGaussian(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}
