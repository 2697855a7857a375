/** Scoring the tracing system against the simulator's ground truth (pure). */

export type NotifiedTier = 'medium' | 'high';

/** One traced source case: whom it truly infected, and whom the server notified as its contacts (highest tier). */
export interface TracedSource {
  readonly source: number;
  readonly infected: readonly number[];
  readonly notified: ReadonlyMap<number, NotifiedTier>;
}

export interface TierScore {
  /** 'high' / 'medium': contacts notified at that tier (their highest); 'any': notified at any tier. */
  readonly tier: NotifiedTier | 'any';
  readonly notified: number;
  /** Notified at this tier and truly infected by the source. */
  readonly truePositives: number;
  /** People truly infected by the sources. */
  readonly infected: number;
  /** truePositives / notified; null when nobody was notified at this tier. */
  readonly precision: number | null;
  /** truePositives / infected; null when the sources infected nobody. */
  readonly recall: number | null;
}

/**
 * Precision (notified contacts who were truly infected by the source / notified contacts) and recall (truly
 * infected people who were notified / truly infected people), summed over sources (micro-average), per tier.
 */
export function scoreTracing(sources: readonly TracedSource[]): TierScore[] {
  const counts = { high: { notified: 0, tp: 0 }, medium: { notified: 0, tp: 0 }, any: { notified: 0, tp: 0 } };
  let infected = 0;
  for (const source of sources) {
    const truth = new Set(source.infected);
    infected += truth.size;
    for (const [person, tier] of source.notified) {
      const hit = truth.has(person) ? 1 : 0;
      counts[tier].notified += 1;
      counts[tier].tp += hit;
      counts.any.notified += 1;
      counts.any.tp += hit;
    }
  }
  return (['high', 'medium', 'any'] as const).map((tier) => ({
    tier,
    notified: counts[tier].notified,
    truePositives: counts[tier].tp,
    infected,
    precision: counts[tier].notified === 0 ? null : counts[tier].tp / counts[tier].notified,
    recall: infected === 0 ? null : counts[tier].tp / infected,
  }));
}

export interface Distribution {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Nearest-rank percentiles of a sample. */
export function distributionOf(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: null, p90: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { count: sorted.length, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}
