import type { LoggerOptions } from 'pino';
import PinoPretty from 'pino-pretty';

export interface LogSettings {
  readonly logLevel: string;
  readonly logFormat: 'auto' | 'json' | 'pretty';
}

/** Never written to the log: credentials a request carries. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie'];

/** Whether log lines are for people (pretty) or for machines (JSON): `auto` is pretty on a terminal only. */
export function prettyLogs(settings: LogSettings, stdoutIsTerminal = process.stdout.isTTY === true): boolean {
  return settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && stdoutIsTerminal);
}

/**
 * The server's pino options: JSON lines on standard output (one object a line, what log collectors read), or with
 * LOG_FORMAT=pretty (or auto on a terminal) lines for people through pino-pretty, written synchronously so they keep
 * their order with what else the process prints.
 */
export function loggerOptions(
  settings: LogSettings,
  stdoutIsTerminal = process.stdout.isTTY === true,
): LoggerOptions & { stream?: NodeJS.WritableStream } {
  const options = { level: settings.logLevel, redact: REDACT };
  if (!prettyLogs(settings, stdoutIsTerminal)) return options;
  return {
    ...options,
    stream: PinoPretty({
      colorize: stdoutIsTerminal,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    }),
  };
}
