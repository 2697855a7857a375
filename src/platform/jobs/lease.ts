import type { Redis } from 'ioredis';

/**
 * Leadership for periodic work: only the holder of a task's lease runs it. The holder renews the lease on every
 * tick; when it dies the lease expires after `ttlMs` and another process takes it.
 */
export interface LeaseManager {
  /** Takes the lease if free, or renews it if this holder has it. True when this holder has it now. */
  acquire(name: string, ttlMs: number): Promise<boolean>;
  release(name: string): Promise<void>;
}

/** One process: it always leads. */
export class LocalLeases implements LeaseManager {
  async acquire(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}
}

// Renew only if we hold it; otherwise take it only if nobody does. Atomic on the Redis server.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Leases shared by every process using the same Redis. */
export class RedisLeases implements LeaseManager {
  constructor(
    private readonly redis: Redis,
    readonly holder: string,
    private readonly prefix = 'epitrace:lease:',
  ) {}

  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const result = await this.redis.eval(
      ACQUIRE,
      1,
      `${this.prefix}${name}`,
      this.holder,
      String(Math.max(1, Math.round(ttlMs))),
    );
    return result === 1;
  }

  async release(name: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.prefix}${name}`, this.holder);
  }
}
