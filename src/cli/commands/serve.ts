import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { serveWorkers } from '../cluster.js';
import { serve } from '../serve.js';
import { integerFrom } from './options.js';
import type { Finish } from './result.js';

/** `epitrace serve [--workers N] [--stream-workers M]`. */
export function registerServe(program: Command, finish: Finish): void {
  program
    .command('serve')
    .description('run the HTTP server (the same as npm start) until SIGTERM or Ctrl-C')
    .option(
      '--workers <n>',
      'run N server processes sharing the port (more than 1 needs REDIS_URL)',
      integerFrom(1, 64),
      1,
    )
    .option(
      '--stream-workers <m>',
      'add M processes that hold the real-time streams while the N serve the rest (needs REDIS_URL)',
      integerFrom(0, 64),
      0,
    )
    .addHelpText('after', '\nConfiguration comes from environment variables and .env (see README).')
    .action(async (options: { workers: number; streamWorkers: number }) => {
      const config = loadConfig();
      if (options.workers === 1 && options.streamWorkers === 0) await serve(config);
      else await serveWorkers(config, options.workers, options.streamWorkers);
      finish('running');
    });
}
