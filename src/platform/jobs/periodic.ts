import type { FastifyBaseLogger } from 'fastify';

export interface PeriodicTask {
  readonly name: string;
  readonly everyMs: number;
  run(now: number): Promise<unknown>;
}

/**
 * Runs tasks on a timer, never two runs of one task at once. Returns a stop function that waits for
 * runs in progress. (Leadership between processes is added by the scale-out work; every task here is
 * idempotent, so running in each process is safe meanwhile.)
 */
export function startPeriodicTasks(tasks: readonly PeriodicTask[], log: FastifyBaseLogger): () => Promise<void> {
  const running = new Map<string, Promise<unknown>>();
  const timers = tasks.map((task) => {
    const tick = () => {
      if (running.has(task.name)) return;
      const run = task
        .run(Date.now())
        .then((result) => log.info({ task: task.name, result }, 'periodic task done'))
        .catch((error: unknown) => log.error({ err: error, task: task.name }, 'periodic task failed'))
        .finally(() => running.delete(task.name));
      running.set(task.name, run);
    };
    const timer = setInterval(tick, task.everyMs);
    timer.unref();
    return timer;
  });
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running.values());
  };
}
