/** Reconnection delays: exponential back-off with jitter (pure). */
export interface BackoffOptions {
  /** Delay before the first retry, ms (default 500; the server's `retry:` hint replaces it when it sends one). */
  readonly initialMs?: number;
  /** Longest delay, ms (default 30 000). */
  readonly maxMs?: number;
  /** Growth per failed attempt (default 2). */
  readonly factor?: number;
  /**
   * Share of each delay that is random, 0..1 (default 0.5): the delay is drawn uniformly from
   * [d·(1 − jitter), d]. Spreads the reconnections of many clients after a server restart.
   */
  readonly jitter?: number;
}

/** The delay before reconnection attempt `attempt` (0 = first retry after a failure). `random` returns [0, 1). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const exponential = Math.min(max, initial * factor ** Math.max(0, attempt));
  return exponential * (1 - jitter * random());
}
