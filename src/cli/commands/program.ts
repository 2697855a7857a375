import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAdmin } from './admin.js';
import { registerMigrate } from './migrate.js';
import type { Finish } from './result.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';
import { registerTraceRunner } from './trace-runner.js';

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The `epitrace` command line (commander): every command and its options, with `--help` for each. Nothing runs
 * until a command's action does, so `--help` and `--version` never read the configuration or touch the database.
 * Commander's own errors throw a CommanderError (exitOverride) rather than exiting, so run.ts picks the exit code.
 */
export function buildProgram(finish: Finish): Command {
  const program = new Command('epitrace')
    .description('Epitrace: real-time contact tracing, case management, cluster detection and live analytics.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', 'print the help of a command')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(oneLine(text)) })
    .addHelpText(
      'after',
      '\nRun "epitrace <command> --help" for the options of a command.' +
        '\nConfiguration comes from environment variables and .env (see README).',
    );
  // Commands created with program.command() take the settings above (exit override, output, help option).
  registerServe(program, finish);
  registerTraceRunner(program, finish);
  registerMigrate(program, finish);
  registerAdmin(program, finish);
  registerSimulate(program, finish);
  for (const command of withSubcommands(program)) command.showHelpAfterError(helpHint(command));
  return program;
}

/** The line printed after a usage error: where to find the usage of the command that was given. */
export function helpHint(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return command.parent === null
    ? `Run "${names.join(' ')} --help" to see the commands.`
    : `Run "${names.join(' ')} --help" for its usage.`;
}

/** Commander's error text ("error: unknown option '--x'\n(Did you mean --y?)") as one line, named after the program. */
export function oneLine(text: string): string {
  const message = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, ' (did you mean $1?)');
  return `epitrace: ${message}\n`;
}

function* withSubcommands(command: Command): Generator<Command> {
  yield command;
  for (const sub of command.commands) yield* withSubcommands(sub);
}
