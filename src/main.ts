import { exitIfNodeTooOld } from './cli/node-version.js';

// Process entry for `npm start`: configuration → app → listen → graceful close. The Node.js version is checked
// before the rest loads (see src/cli/index.ts).
exitIfNodeTooOld();
const { serve } = await import('./cli/serve.js');
const { StartupFailure } = await import('./cli/startup-failure.js');
const { ConfigError, loadConfig } = await import('./config/index.js');

try {
  await serve(loadConfig());
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  // Something the operator can fix: one line, no stack trace.
  if (error instanceof StartupFailure) {
    process.stderr.write(`epitrace: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}
