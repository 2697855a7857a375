import type { SimulationProgress } from './runner.js';

/** One status line, rewritten in place on a terminal (a line every 5 s otherwise). */
export function progressPrinter(out: NodeJS.WriteStream = process.stdout): (p: SimulationProgress) => void {
  let lastPlain = 0;
  return (p) => {
    const line =
      `${p.phase.padEnd(24)} day ${p.day}/${p.days}  ${new Date(p.simulatedAt).toISOString().slice(0, 16).replace('T', ' ')}  ` +
      `requests ${p.requests} (${p.errors} errors)  infected ${p.infected}  reports ${p.reports}  notifications ${p.notifications}  ` +
      `behind ${(p.lagMs / 1000).toFixed(1)} s`;
    if (out.isTTY) out.write(`\r${line.slice(0, (out.columns ?? 200) - 1).padEnd((out.columns ?? 200) - 1)}`);
    else if (Date.now() - lastPlain >= 5000) {
      lastPlain = Date.now();
      out.write(`${line}\n`);
    }
  };
}
