import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, startServer, type ServerProcess } from '../helpers/server-process.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ROLES = 'health_professional, authority, admin, lab';
/** util-linux `script` runs a command on a pseudo-terminal, as if a person typed at it. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** The `epitrace` command runs the same code as the server: migrate, create staff, then log in over HTTP. */
describe('epitrace CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-cli-'));
  const accounts: { username: string; password: string; role: string }[] = [];
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const environment = (env: Record<string, string>) => ({
    ...process.env,
    DATABASE_URL: '',
    REDIS_URL: '',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    ...env,
  });
  const cli = (args: string[], env: Record<string, string> = {}, input?: string) =>
    spawnSync(process.execPath, ['bin/epitrace.js', ...args], {
      cwd: PROJECT_ROOT,
      env: environment(env),
      encoding: 'utf8',
      ...(input === undefined ? {} : { input }),
    });
  /**
   * Runs `epitrace args` on a pseudo-terminal and types each answer once its prompt has appeared (as a person
   * would: what is typed before the program turns echo off would be echoed by the terminal). Returns what the
   * terminal showed and the exit code.
   */
  const onTerminal = (args: string[], answers: [prompt: string, typed: string][]) =>
    new Promise<{ status: number | null; screen: string }>((resolve, reject) => {
      const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
      const command = [process.execPath, 'bin/epitrace.js', ...args].map(quote).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: PROJECT_ROOT, env: environment({}) });
      let screen = '';
      let answered = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
        const next = answers[answered];
        if (next !== undefined && screen.split(next[0]).length - 1 > countIn(answers.slice(0, answered), next[0])) {
          answered++;
          child.stdin.write(next[1]);
        }
      });
      child.once('error', reject);
      child.once('exit', (status) => {
        child.stdin.end();
        resolve({ status, screen });
      });
    });
  const countIn = (earlier: [string, string][], prompt: string) => earlier.filter(([p]) => p === prompt).length;

  it('prints the usage of every command with --help, exit 0, without reading the configuration or the database', () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'epitrace-cli-help-'));
    try {
      // A bad PORT and an empty DATA_DIR: help reads neither; `migrate --help` used to migrate.
      const env = { DATA_DIR: emptyDir, PORT: 'eighty' };
      const cases: [args: string[], usage: string, shows: string[]][] = [
        [['--help'], 'Usage: epitrace [options] [command]', ['serve', 'trace-runner', 'migrate', 'admin', 'simulate']],
        [['help'], 'Usage: epitrace [options] [command]', ['serve', 'trace-runner', 'migrate', 'admin', 'simulate']],
        [['serve', '--help'], 'Usage: epitrace serve [options]', ['--workers <n>', '--stream-workers <m>']],
        [['help', 'serve'], 'Usage: epitrace serve [options]', ['--workers <n>']],
        [['trace-runner', '--help'], 'Usage: epitrace trace-runner', ['REDIS_URL']],
        [['migrate', '--help'], 'Usage: epitrace migrate', ['apply pending database migrations']],
        [['admin', '--help'], 'Usage: epitrace admin', ['create-staff']],
        [
          ['admin', 'create-staff', '--help'],
          'Usage: epitrace admin create-staff --role <role> --username <name>',
          ['--password-stdin', '--password <password>', 'discouraged', '"health_professional", "authority"'],
        ],
        [
          ['simulate', '--help'],
          'Usage: epitrace simulate [options]',
          ['--population <n>', '--days <d>', '--speed-up <s>', '--seed <x>', '--url <url>', '--report-json <file>'],
        ],
      ];
      for (const [args, usage, shows] of cases) {
        const result = cli(args, env);
        expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        expect(result.stdout).toContain(usage);
        for (const text of shows) expect(result.stdout, args.join(' ')).toContain(text);
        expect(result.stderr).toBe('');
      }
      expect(readdirSync(emptyDir)).toEqual([]);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  }, 180_000); // nine processes, each starting TypeScript

  it('prints the version of package.json with --version', () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = cli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('refuses an unknown command or option with one line and a hint to use --help, exit 64', () => {
    const lines = (text: string) => text.trimEnd().split('\n');
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(64);
    expect(lines(unknown.stderr)).toEqual([
      "epitrace: unknown command 'frobnicate'",
      'Run "epitrace --help" to see the commands.',
    ]);
    const option = cli(['serve', '--worker', '2']);
    expect(option.status).toBe(64);
    expect(lines(option.stderr)).toEqual([
      "epitrace: unknown option '--worker' (did you mean --workers?)",
      'Run "epitrace serve --help" for its usage.',
    ]);
    const value = cli(['simulate', '--days', '99']);
    expect(value.status).toBe(64);
    expect(lines(value.stderr)).toEqual([
      "epitrace: option '--days <d>' argument '99' is invalid. It must be a whole number from 1 to 20.",
      'Run "epitrace simulate --help" for its usage.',
    ]);
    const extra = cli(['migrate', 'now']);
    expect(extra.status).toBe(64);
    expect(lines(extra.stderr)[1]).toBe('Run "epitrace migrate --help" for its usage.');
    expect(readdirSync(dataDir)).toEqual([]); // none of these ran a command
  }, 120_000);

  it('migrates, creates a staff account, and refuses bad input with a clear message', () => {
    const migrated = cli(['migrate']);
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('migrations applied');
    expect(cli(['migrate']).stdout).toContain('already up to date');

    const staff = (username: string, role = 'authority') => [
      'admin',
      'create-staff',
      '--role',
      role,
      '--username',
      username,
      '--password',
      'a long enough passphrase',
    ];
    const created = cli(staff('dr.snow'));
    expect(created.status, created.stderr).toBe(0);
    // Not a terminal: one line of JSON, the account as GET /staff lists it.
    expect(created.stdout.split('\n')).toHaveLength(2);
    expect(JSON.parse(created.stdout)).toEqual({
      id: expect.stringMatching(UUID),
      username: 'dr.snow',
      role: 'authority',
      created_at: expect.any(String),
      disabled: false,
    });
    accounts.push({ username: 'dr.snow', password: 'a long enough passphrase', role: 'authority' });
    // The embedded setup's secrets were generated once, readable by the owner only.
    for (const file of ['encryption.key', 'token.secret'])
      expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);

    const duplicate = cli(staff('dr.snow'));
    expect(duplicate.status).toBe(1);
    expect(duplicate.stderr).toBe('epitrace: username "dr.snow" is taken\n');
    const badRole = cli(staff('x.y', 'mayor'));
    expect(badRole.status).toBe(64);
    expect(badRole.stderr).toContain(`'--role <role>' argument 'mayor' is invalid. Allowed choices are ${ROLES}.`);
    const noRole = cli(['admin', 'create-staff', '--username', 'x.y', '--password', 'a long enough passphrase']);
    expect(noRole.status).toBe(64);
    expect(noRole.stderr).toContain(`--role is required: one of ${ROLES}`);
    const badUsername = cli(staff('X'));
    expect(badUsername.status).toBe(64);
    expect(badUsername.stderr).toContain('--username must be 3 to 64 characters');
    const badConfig = cli(['migrate'], { PORT: 'eighty' });
    expect(badConfig.status).toBe(2);
    expect(badConfig.stderr).toContain('PORT must be an integer');
  }, 180_000); // several processes, each starting TypeScript and some hashing a password

  it('reads the password from the first line of standard input with --password-stdin', () => {
    const args = ['admin', 'create-staff', '--role', 'lab', '--username', 'lab.one', '--password-stdin'];
    const created = cli(args, {}, 'lab system passphrase\nnot part of it\n');
    expect(created.status, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'lab.one', role: 'lab' });
    accounts.push({ username: 'lab.one', password: 'lab system passphrase', role: 'lab' });

    const empty = cli([...args.slice(0, -2), 'lab.two', '--password-stdin'], {}, '');
    expect(empty.status).toBe(64);
    expect(empty.stderr).toContain('the first line of standard input is empty');
    // No password at all, and standard input is not a terminal to ask on.
    const none = cli(['admin', 'create-staff', '--role', 'lab', '--username', 'lab.two'], {}, '');
    expect(none.status).toBe(64);
    expect(none.stderr).toContain('or give it with --password-stdin');
    const both = cli([...args, '--password', 'a long enough passphrase'], {}, 'x\n');
    expect(both.status).toBe(64);
    expect(both.stderr).toContain("option '--password <password>' cannot be used with option '--password-stdin'");
  }, 120_000);

  it.runIf(hasScript)(
    'on a terminal, asks for the password twice without showing it and prints one human line',
    async () => {
      const password = 'typed but never shown';
      const args = ['admin', 'create-staff', '--role', 'health_professional', '--username', 'nurse.pty'];
      const created = await onTerminal(args, [
        ['(not shown): ', `${password}\r`],
        ['again: ', `${password}\r`],
      ]);
      expect(created.status, created.screen).toBe(0);
      expect(created.screen).not.toContain(password);
      expect(created.screen).not.toContain('typed');
      const lines = created.screen.trimEnd().split('\r\n');
      expect(lines).toEqual([
        'Password for "nurse.pty" (not shown): ',
        'The same password again: ',
        expect.stringMatching(
          new RegExp(`^Created staff account "nurse.pty" \\(health_professional\\), id ${UUID.source}\\.$`),
        ),
      ]);
      accounts.push({ username: 'nurse.pty', password, role: 'health_professional' });

      const differ = await onTerminal(
        ['admin', 'create-staff', '--role', 'authority', '--username', 'dr.typo'],
        [
          ['(not shown): ', 'one long passphrase\r'],
          ['again: ', 'one lnog passphrase\r'],
        ],
      );
      expect(differ.status).toBe(64);
      expect(differ.screen).toContain('epitrace: the two passwords differ; nothing was created');
      expect(differ.screen).not.toContain('passphrase');

      const cancelled = await onTerminal(
        ['admin', 'create-staff', '--role', 'authority', '--username', 'dr.gone'],
        [['(not shown): ', 'half typ\u0003']],
      );
      expect(cancelled.status).toBe(130);
      expect(cancelled.screen).toContain('epitrace: cancelled: nothing was created');
      expect(cancelled.screen).not.toContain('half');
    },
    120_000,
  );

  it('serve that cannot start says why in one line with its exit code, not a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const otherDir = mkdtempSync(join(tmpdir(), 'epitrace-cli-busy-'));
    try {
      const failed = cli(['serve'], { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: otherDir, LOG_LEVEL: 'warn' });
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(
        new RegExp(`^epitrace: port ${port} on 127\\.0\\.0\\.1 is already in use[^\\n]*\\n$`),
      );
    } finally {
      blocker.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('every account created above can log in over HTTP with its password', async () => {
    expect(accounts.map((account) => account.username)).toEqual(
      hasScript ? ['dr.snow', 'lab.one', 'nurse.pty'] : ['dr.snow', 'lab.one'],
    );
    server = await startServer({ DATA_DIR: dataDir });
    for (const { username, password, role } of accounts) {
      const login = await fetch(`${server.baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(login.status, username).toBe(200);
      expect(await login.json()).toMatchObject({ role, token_type: 'Bearer' });
    }
  }, 120_000);
});
