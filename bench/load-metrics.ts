/** Small measurement helpers of the load test: latency percentiles and the server's memory from /proc. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Percentiles {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const rank = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! * 10) / 10;
  return {
    count: sorted.length,
    p50: rank(0.5),
    p99: rank(0.99),
    max: Math.round(sorted[sorted.length - 1]! * 10) / 10,
  };
}

/** Resident memory (MiB) of a process and its children (the cluster's workers), by pid. */
export function processTreeRssMiB(pid: number): Record<number, number> {
  const result: Record<number, number> = {};
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      result[p] = Math.round(kb / 1024);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) visit(Number(child));
    } catch {
      // exited
    }
  };
  visit(pid);
  return result;
}

/** Established TCP connections on the server's port, as the kernel counts them. */
export function establishedOn(port: number): number {
  try {
    return Number(execSync(`ss -Htn state established '( sport = :${port} )' | wc -l`, { encoding: 'utf8' }).trim());
  } catch {
    return -1;
  }
}
