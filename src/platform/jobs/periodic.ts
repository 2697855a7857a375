import type { FastifyBaseLogger } from 'fastify';
import { LocalLeases, type LeaseManager } from './lease.js';

export interface PeriodicTask {
  readonly name: string;
  readonly everyMs: number;
  run(now: number): Promise<unknown>;
}

export interface PeriodicOptions {
  /** Who may run: with several processes, only the holder of a task's lease (Redis); alone, always. */
  readonly leases?: LeaseManager;
  /** How often each process checks whether it holds (or can take) a task's lease. */
  readonly leaseCheckMs?: number;
  /** A lease not renewed for this long passes to another process (the holder died). */
  readonly leaseTtlMs?: number;
}

/**
 * Runs tasks on a timer, never two runs of one task at once, and with several processes on only one of them:
 * the lease holder. Returns a stop function that waits for runs in progress and gives the leases up.
 */
export function startPeriodicTasks(
  tasks: readonly PeriodicTask[],
  log: FastifyBaseLogger,
  options: PeriodicOptions = {},
): () => Promise<void> {
  const leases = options.leases ?? new LocalLeases();
  const ttlMs = options.leaseTtlMs ?? 30_000;
  const checkMs = options.leaseCheckMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const running = new Map<string, Promise<unknown>>();
  const lastRun = new Map<string, number>();
  const held = new Set<string>();
  const timers = tasks.map((task) => {
    const tick = async () => {
      let leader = false;
      try {
        leader = await leases.acquire(task.name, ttlMs);
      } catch (error) {
        log.warn({ err: error, task: task.name }, 'could not check the task lease; not running it');
      }
      if (!leader) {
        held.delete(task.name);
        return;
      }
      held.add(task.name); // renewed on every tick, also while a run is in progress
      const now = Date.now();
      if (now - (lastRun.get(task.name) ?? 0) < task.everyMs || running.has(task.name)) return;
      lastRun.set(task.name, now);
      const run = task
        .run(now)
        .then((result) => log.info({ task: task.name, result }, 'periodic task done'))
        .catch((error: unknown) => log.error({ err: error, task: task.name }, 'periodic task failed'))
        .finally(() => running.delete(task.name));
      running.set(task.name, run);
    };
    const timer = setInterval(() => void tick(), Math.min(checkMs, task.everyMs));
    timer.unref();
    return timer;
  });
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running.values());
    await Promise.all([...held].map((name) => leases.release(name).catch(() => undefined)));
  };
}
