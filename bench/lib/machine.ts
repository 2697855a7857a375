import os from 'node:os';

/** What the figures were measured on: they are only comparable on the same machine and load. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpu_count: cpus.length,
    total_memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
