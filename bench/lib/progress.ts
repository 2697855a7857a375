/**
 * A one-line progress report on stderr: done / total, rate and ETA. On a terminal the line is redrawn in place
 * (at most 10 times a second); otherwise (nohup, CI logs) a full line is written every `logEveryMs`.
 */

export interface Progress {
  /** Sets the amount done so far (absolute). */
  update(done: number): void;
  /** Writes the final line with the total time. */
  finish(message?: string): void;
}

const fmt = new Intl.NumberFormat('en-US');

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function progress(
  label: string,
  total: number,
  unit: string,
  options: { logEveryMs?: number; stream?: NodeJS.WriteStream } = {},
): Progress {
  const out = options.stream ?? process.stderr;
  const tty = out.isTTY === true;
  const every = tty ? 100 : (options.logEveryMs ?? 10_000);
  const started = performance.now();
  let last = 0;
  let done = 0;
  const line = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? (total - done) / rate : Number.NaN;
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '?';
    return `[${label}] ${fmt.format(done)}/${fmt.format(total)} ${unit} (${pct}%) · ${fmt.format(Math.round(rate))} ${unit}/s · elapsed ${formatDuration(seconds)} · ETA ${formatDuration(eta)}`;
  };
  return {
    update(value) {
      done = value;
      const now = performance.now();
      if (now - last < every) return;
      last = now;
      if (tty) out.write(`\r\x1b[2K${line()}`);
      else out.write(`${line()}\n`);
    },
    finish(message) {
      const seconds = (performance.now() - started) / 1000;
      const text = `[${label}] ${message ?? `${fmt.format(done)} ${unit}`} in ${formatDuration(seconds)}`;
      out.write(tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
    },
  };
}
