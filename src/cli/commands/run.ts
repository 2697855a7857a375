import { CommanderError, type Command } from 'commander';
import { ConfigError } from '../../config/index.js';
import { StaffInputError } from '../../modules/staff/create-staff.js';
import { HttpProblem } from '../../platform/http/problem.js';
import { ClusterConfigError } from '../cluster.js';
import { StartupFailure } from '../startup-failure.js';
import { UsageError } from '../usage-error.js';
import { PromptCancelled } from './password-input.js';
import { buildProgram, helpHint } from './program.js';
import type { CommandResult } from './result.js';

/** Exit code of a command line that cannot be run as given (BSD sysexits EX_USAGE). */
const EX_USAGE = 64;

/**
 * Runs the command line `argv` (without node and the script): returns the exit code, or `running` when a server
 * keeps running. An expected failure is printed as one line (no stack trace) and gives its exit code: a usage error
 * 64, bad configuration 2, a start-up failure its own code, a refused request 1, a cancelled prompt 130.
 */
export async function runCli(argv: readonly string[]): Promise<CommandResult> {
  let result: CommandResult = 0;
  const program = buildProgram((value) => {
    result = value;
  });
  let running: Command = program;
  program.hook('preAction', (_program, actionCommand) => {
    running = actionCommand;
  });
  try {
    await program.parseAsync(argv.length === 0 ? ['--help'] : [...argv], { from: 'user' });
    return result;
  } catch (error) {
    return exitCodeOf(error, running);
  }
}

function exitCodeOf(error: unknown, command: Command): number {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Commander has printed the help, the version, or the error and the hint already.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EX_USAGE;
  if (error instanceof UsageError || error instanceof StaffInputError) {
    say(`epitrace: ${error.message}`);
    say(helpHint(command));
    return EX_USAGE;
  }
  if (error instanceof PromptCancelled) {
    say(`epitrace: ${error.message}`);
    return 130;
  }
  if (error instanceof ConfigError) {
    say(error.message);
    return 2;
  }
  if (error instanceof ClusterConfigError) {
    say(`epitrace: ${error.message}`);
    return 2;
  }
  if (error instanceof StartupFailure) {
    say(`epitrace: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof HttpProblem) {
    say(`epitrace: ${error.detail}`);
    return 1;
  }
  throw error;
}
