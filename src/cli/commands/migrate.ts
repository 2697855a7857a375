import type { Command } from 'commander';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { openConfiguredDatabase } from '../../platform/db/configured.js';
import { migrateToLatest } from '../../platform/db/migrate.js';
import type { Finish } from './result.js';

/** `epitrace migrate`: applies pending migrations and exits. */
export function registerMigrate(program: Command, finish: Finish): void {
  program
    .command('migrate')
    .description('apply pending database migrations and exit (the server also does this when it starts)')
    .addHelpText(
      'after',
      '\nThe database is the one the configuration names: DATABASE_URL, or the embedded\none under DATA_DIR (see README).',
    )
    .action(async () => {
      const config = loadConfig();
      const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'info' });
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
      finish(0);
    });
}
