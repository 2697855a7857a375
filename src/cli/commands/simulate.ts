import { InvalidArgumentError, type Command } from 'commander';
import { type SimulateOptions, simulateCommand } from '../simulate.js';
import { integerFrom } from './options.js';
import type { Finish } from './result.js';

const speedUp = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 1)
    throw new InvalidArgumentError('It must be a number above 1.');
  return n;
};

/** `epitrace simulate`: an agent-based city driving a server through its API. */
export function registerSimulate(program: Command, finish: Finish): void {
  program
    .command('simulate')
    .description(
      'an agent-based city driving the server through its API; without --url it starts its own server on a ' +
        'temporary embedded database',
    )
    .option('--population <n>', 'people in the city', integerFrom(1, 100_000), 10_000)
    .option('--days <d>', 'days simulated, ending now', integerFrom(1, 20), 14)
    .option('--speed-up <s>', 'how much faster than real time', speedUp, 5000)
    .option('--seed <x>', 'random seed (a number or any text): the same seed gives the same city', '1')
    .option('--url <url>', 'a running server to drive instead of starting one')
    .option('--staff-username <u>', 'a health professional account of the server at --url')
    .option('--staff-password <p>', 'its password')
    .option('--authority-username <u>', 'an authority account of the server at --url')
    .option('--authority-password <p>', 'its password')
    .option('--streams <n>', 'phones that hold their notification stream open', integerFrom(0, 100_000), 2000)
    .option('--concurrency <n>', 'requests in flight at once', integerFrom(1, 1000), 16)
    .option('--report-json <file>', 'also write the report, with the command and the load average, to this file')
    .action(async (options: SimulateOptions, command: Command) =>
      finish(await simulateCommand(options, commandLineOf(command))),
    );
}

/** The command as given, for the report file; passwords are left out. */
function commandLineOf(command: Command): string {
  const given = command.options.flatMap((option) => {
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli' || option.long === undefined) return [];
    return [`${option.long} ${option.long.endsWith('-password') ? '***' : String(command.getOptionValue(key))}`];
  });
  return ['npx epitrace simulate', ...given].join(' ');
}
