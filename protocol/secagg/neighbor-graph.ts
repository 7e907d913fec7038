/**
 * The communication graph of a SecAgg+ round (Bell et al., CCS 2020): instead of every pair of
 * clients agreeing on a mask and holding each other's shares (Bonawitz et al., O(n) work per
 * client, O(n²) in all), each client does so only with its k neighbours in a random k-regular
 * graph, k = O(log n). Masks still cancel in the sum because every edge is masked by both ends.
 *
 * The graph is a Harary graph H(k, n) over a pseudo-random ordering of the cohort 1..n, seeded
 * by the round id: every client and the server derive the same graph with no extra message.
 * The server chooses the round id, so this is the semi-honest-server setting of the paper.
 */
export interface NeighborGraph {
  /** Clients in the cohort (indices 1..n). */
  readonly size: number;
  /** Even degree k, or n - 1 for the complete graph (plain Bonawitz). */
  readonly degree: number;
  /** The neighbours of `client`, ascending (never the client itself). */
  neighbors(client: number): readonly number[];
  /** Whether `a` and `b` are neighbours. */
  adjacent(a: number, b: number): boolean;
}

/**
 * Degree used when a deployment sets none: the complete graph up to about 24 clients, then the
 * smallest even k >= 4 log2 n (40 for 1,000 clients, 54 for 10,000). With dropout and corrupt
 * fractions of a few percent, Bell et al. show graphs of this order stay connected among honest
 * survivors, so the server still learns nothing but the sum.
 */
export function defaultDegree(n: number): number {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`a cohort has at least 2 clients; got ${n}`);
  return Math.min(n - 1, 2 * Math.ceil(2 * Math.log2(n)));
}

/**
 * Shamir threshold inside one neighbourhood (the client and its k neighbours hold the shares):
 * a majority fraction of k + 1, at least 2. For the complete graph this is ceil(fraction * n).
 */
export function neighborhoodThreshold(degree: number, fraction: number): number {
  return Math.max(2, Math.ceil(fraction * (degree + 1)));
}

/**
 * What closing a cohort of n fixes: the unmasking threshold (a share of the cohort, at least 2),
 * the SecAgg+ degree (`requested`, or defaultDegree when 0) and the Shamir threshold inside each
 * neighbourhood (the cohort's threshold on a complete graph). The server sets rounds up with it,
 * and a simulation that skips the protocol decides with it which rounds could unmask.
 */
export function cohortThresholds(
  n: number,
  fraction: number,
  requested: number,
): { threshold: number; degree: number; shareThreshold: number } {
  const threshold = Math.max(2, Math.ceil(fraction * n));
  const degree = graphDegree(n, requested || defaultDegree(n));
  return { threshold, degree, shareThreshold: degree >= n - 1 ? threshold : neighborhoodThreshold(degree, fraction) };
}

// xmur3-style string hash feeding sfc32: fast, deterministic on every engine, and plenty for
// spreading clients over the ring (the secrecy of the round does not rest on it).
function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let [a, b, c, d] = [next(), next(), next(), next()];
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * The degree a graph over n clients actually gets for a requested one: Harary graphs have even
 * degree, so an odd request rounds up, and n - 1 or more is the complete graph (degree n - 1).
 */
export function graphDegree(n: number, requested: number): number {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`a cohort has at least 2 clients; got ${n}`);
  if (!Number.isInteger(requested) || requested < 1)
    throw new RangeError(`the graph degree must be a positive integer; got ${requested}`);
  return Math.min(n - 1, requested % 2 === 0 ? requested : requested + 1);
}

/** The graph of round `round` over clients 1..n with the given degree (n - 1 or more: complete). */
export function neighborGraph(round: string, n: number, degree: number): NeighborGraph {
  if (!Number.isInteger(degree) || degree < 2)
    throw new RangeError(`the graph degree must be an integer >= 2; got ${degree}`);
  const k = graphDegree(n, degree);
  if (k === n - 1) {
    const all = Array.from({ length: n }, (_, i) => i + 1);
    return {
      size: n,
      degree: k,
      neighbors: (c) => (check(c, n), all.filter((x) => x !== c)),
      adjacent: (a, b) => (check(a, n), check(b, n), a !== b),
    };
  }
  // Fisher-Yates over 1..n: ring position -> client, and back.
  const order = Array.from({ length: n }, (_, i) => i + 1);
  const random = seededRandom(`pocketrank-secagg+:${round}:${n}`);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const position = new Int32Array(n + 1);
  order.forEach((client, p) => (position[client] = p));
  const half = k / 2;
  const neighbors = (c: number) => {
    check(c, n);
    const p = position[c]!;
    const out: number[] = [];
    for (let d = 1; d <= half; d++) out.push(order[(p + d) % n]!, order[(p - d + n) % n]!);
    return out.sort((a, b) => a - b);
  };
  const adjacent = (a: number, b: number) => {
    check(a, n);
    check(b, n);
    const gap = Math.abs(position[a]! - position[b]!);
    return a !== b && Math.min(gap, n - gap) <= half;
  };
  return { size: n, degree: k, neighbors, adjacent };
}

function check(client: number, n: number): void {
  if (!Number.isInteger(client) || client < 1 || client > n)
    throw new RangeError(`client ${client} is not in a cohort of ${n}`);
}
