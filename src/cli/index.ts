import { exitIfNodeTooOld } from './node-version.js';

// `epitrace` (bin/epitrace.js, npm run epitrace). The Node.js version is checked before the rest loads: an older
// Node fails later in ways that do not say why (a native module built for another version, a missing API).
exitIfNodeTooOld();
const { runCli } = await import('./commands/run.js');
const result = await runCli(process.argv.slice(2));
if (result !== 'running') process.exit(result);
