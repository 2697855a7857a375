import { Option, type Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import type { StaffMember } from '../../contracts/staff.js';
import { createStaff, STAFF_ROLES, StaffInputError, staffInputProblem } from '../../modules/staff/create-staff.js';
import { UsageError } from '../usage-error.js';
import { hiddenPrompt, type PromptInput, readFirstLine } from './password-input.js';
import type { Finish } from './result.js';

interface CreateStaffOptions {
  role?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** The streams `admin create-staff` talks through (the process's own, or a test's). */
export interface CreateStaffIo {
  stdin: PromptInput;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

const processIo: CreateStaffIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** `epitrace admin create-staff`. */
export function registerAdmin(program: Command, finish: Finish): void {
  const admin = program.command('admin').description('administration: staff accounts');
  admin
    .command('create-staff')
    .description('create a staff account')
    .usage('--role <role> --username <name> [--password-stdin]')
    .addOption(new Option('--role <role>', 'what the account may do').choices(STAFF_ROLES))
    .option('--username <name>', '3 to 64 characters of a-z 0-9 . _ -')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .addOption(
      new Option(
        '--password <password>',
        'the password itself (discouraged: it stays in the shell history and other users can see it while it runs)',
      ).conflicts('passwordStdin'),
    )
    .addHelpText(
      'after',
      `
Without --password or --password-stdin, the password (at least 12 characters) is
asked for twice and not shown as it is typed. On a terminal the result is one
line; otherwise it is the new account as JSON (id, username, role, created_at,
disabled), as GET /staff lists it. The database is the one the configuration
names (DATABASE_URL, or the embedded one under DATA_DIR; see README).

Examples:
  epitrace admin create-staff --role health_professional --username nurse.joy
  printf '%s\\n' "$PASSWORD" |
    epitrace admin create-staff --role authority --username dr.snow --password-stdin`,
    )
    .action(async (options: CreateStaffOptions) => finish(await createStaffCommand(options, processIo)));
}

/** Creates the account and prints it; returns the exit code. */
export async function createStaffCommand(options: CreateStaffOptions, io: CreateStaffIo): Promise<number> {
  // A missing role or a bad username is reported before anyone types a password for it.
  for (const field of ['role', 'username'] as const) {
    const problem = staffInputProblem(field, options[field]);
    if (problem !== undefined) throw new StaffInputError(problem);
  }
  const password = await passwordFor(options, io);
  const member = await createStaff(loadConfig(), { ...options, password });
  io.stdout.write(io.stdout.isTTY ? `${describe(member)}\n` : `${JSON.stringify(member)}\n`);
  return 0;
}

const describe = (member: StaffMember) =>
  `Created staff account "${member.username}" (${member.role}), id ${member.id}.`;

async function passwordFor(options: CreateStaffOptions, io: CreateStaffIo): Promise<string> {
  if (options.password !== undefined) return options.password;
  if (options.passwordStdin && !io.stdin.isTTY) {
    const line = await readFirstLine(io.stdin);
    if (line === '') throw new StaffInputError('--password-stdin: the first line of standard input is empty');
    return line;
  }
  if (!io.stdin.isTTY)
    throw new UsageError('no password: run this on a terminal to be asked for it, or give it with --password-stdin');
  const prompt = hiddenPrompt(io.stdin, io.stderr);
  try {
    // --password-stdin on a terminal: one line, not shown, as a script would give it.
    if (options.passwordStdin) return await prompt.ask('Password: ');
    const password = await prompt.ask(`Password for "${options.username}" (not shown): `);
    const problem = staffInputProblem('password', password);
    if (problem !== undefined) throw new StaffInputError(problem);
    const again = await prompt.ask('The same password again: ');
    if (again !== password) throw new StaffInputError('the two passwords differ; nothing was created');
    return password;
  } finally {
    prompt.close();
  }
}
