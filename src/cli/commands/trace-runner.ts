import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { serve } from '../serve.js';
import { UsageError } from '../usage-error.js';
import type { Finish } from './result.js';

/** `epitrace trace-runner`: a process that only runs trace jobs. */
export function registerTraceRunner(program: Command, finish: Finish): void {
  program
    .command('trace-runner')
    .description('run the trace jobs that servers with TRACE_JOBS=runners leave (serves no requests; needs REDIS_URL)')
    .action(async () => {
      const config = loadConfig();
      if (config.redisUrl === undefined)
        throw new UsageError('trace-runner needs REDIS_URL: servers wake it through Redis');
      await serve(config, { traceRunner: true });
      finish('running');
    });
}
