/** Concurrency, pacing and per-endpoint request accounting for the runner. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function sleepUntil(wallMs: number): Promise<void> {
  const wait = wallMs - Date.now();
  if (wait > 0) await sleep(wait);
}

/** Runs at most `limit` tasks at once; `run` waits for a free slot before starting the task. */
export class TaskPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    const promise = task().finally(() => {
      this.active -= 1;
      this.running.delete(promise);
      this.waiting.shift()?.();
    });
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

export interface EndpointStats {
  readonly endpoint: string;
  requests: number;
  errors: number;
  readonly latenciesMs: number[];
}

/** Request counts, errors and latencies per endpoint, as the client saw them. */
export class RequestLog {
  readonly endpoints = new Map<string, EndpointStats>();
  readonly errorSamples: string[] = [];

  async time<T>(endpoint: string, call: () => Promise<T>): Promise<T> {
    let stats = this.endpoints.get(endpoint);
    if (stats === undefined) stats = { endpoint, requests: 0, errors: 0, latenciesMs: [] };
    this.endpoints.set(endpoint, stats);
    const started = performance.now();
    stats.requests += 1;
    try {
      return await call();
    } catch (error) {
      stats.errors += 1;
      if (this.errorSamples.length < 20)
        this.errorSamples.push(`${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      stats.latenciesMs.push(performance.now() - started);
    }
  }

  get totals(): { requests: number; errors: number } {
    let requests = 0;
    let errors = 0;
    for (const s of this.endpoints.values()) {
      requests += s.requests;
      errors += s.errors;
    }
    return { requests, errors };
  }
}
