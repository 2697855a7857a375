import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { openConfiguredDatabase } from '../platform/db/configured.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { HttpProblem } from '../platform/http/problem.js';
import { createStaff, StaffInputError } from '../modules/staff/create-staff.js';
import { UsageError } from './usage-error.js';
import { ClusterConfigError, serveWorkers } from './cluster.js';
import { serve } from './serve.js';
import { SIMULATE_USAGE, simulateCommand } from './simulate.js';

const USAGE = `Usage: epitrace <command>

Commands:
  serve [--workers N] [--stream-workers M]
                             run the HTTP server (same as npm start); N processes sharing the port, and M more that
                             hold the real-time streams while the N serve the rest (either needs REDIS_URL)
  trace-runner               run the trace jobs that servers with TRACE_JOBS=runners leave (serves no requests; needs REDIS_URL)
  migrate                    apply pending database migrations and exit
  admin create-staff --role <health_professional|authority|admin> --username <name> --password <password>
                             create a staff account
${SIMULATE_USAGE}

Configuration comes from environment variables and .env (see README).`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'info' });
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { workers: { type: 'string' }, 'stream-workers': { type: 'string' } },
        strict: true,
      });
      const workers = values.workers === undefined ? 1 : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 64)
        throw new UsageError('--workers must be an integer from 1 to 64');
      const streamWorkers = values['stream-workers'] === undefined ? 0 : Number(values['stream-workers']);
      if (!Number.isInteger(streamWorkers) || streamWorkers < 0 || streamWorkers > 64)
        throw new UsageError('--stream-workers must be an integer from 0 to 64');
      if (workers === 1 && streamWorkers === 0) await serve(config);
      else await serveWorkers(config, workers, streamWorkers);
      return -1; // keeps running
    }
    case 'trace-runner': {
      if (rest.length > 0) throw new UsageError('trace-runner takes no arguments');
      if (config.redisUrl === undefined)
        throw new UsageError('trace-runner needs REDIS_URL: servers wake it through Redis');
      await serve(config, { traceRunner: true });
      return -1; // keeps running
    }
    case 'migrate': {
      const database = openConfiguredDatabase(config);
      try {
        const applied = await migrateToLatest(database);
        log.info(
          { dialect: database.dialect, applied },
          applied.length ? 'migrations applied' : 'database already up to date',
        );
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'admin': {
      const [sub, ...args] = rest;
      if (sub !== 'create-staff') throw new UsageError(`unknown admin command "${sub ?? ''}"`);
      const { values } = parseArgs({
        args,
        options: { role: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' } },
        strict: true,
      });
      const member = await createStaff(config, values);
      log.info({ staff_id: member.id, username: member.username, role: member.role }, 'staff account created');
      return 0;
    }
    case 'simulate':
      return simulateCommand(rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

try {
  const code = await run(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  if (
    error instanceof UsageError ||
    error instanceof StaffInputError ||
    (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    process.stderr.write(`epitrace: ${error.message}\n\n${USAGE}\n`);
    process.exit(64);
  }
  if (error instanceof ClusterConfigError) {
    process.stderr.write(`epitrace: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof HttpProblem) {
    process.stderr.write(`epitrace: ${error.detail}\n`);
    process.exit(1);
  }
  throw error;
}
