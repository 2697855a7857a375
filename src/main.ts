import { serve } from './cli/serve.js';
import { ConfigError, loadConfig } from './config/index.js';

/** Process entry for `npm start`: configuration → app → listen → graceful close. */
try {
  await serve(loadConfig());
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
