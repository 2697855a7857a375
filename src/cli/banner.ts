import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { hidePassword } from './hide-password.js';

/** What the start-up banner tells: where the server listens, where its data and keys are, whether staff exist. */
export interface BannerFacts {
  readonly version: string;
  /** The bound address (`server.address()` once listening). */
  readonly address: AddressInfo;
  readonly config: Pick<
    Config,
    'dialect' | 'dataDir' | 'databaseUrl' | 'databaseSchema' | 'encryptionKeys' | 'tokenSecret' | 'redisUrl'
  >;
  readonly staffAccounts: number;
}

/** Whether to print the banner: BANNER=on or off decides; auto prints it only to a terminal (never into a log). */
export function shouldPrintBanner(setting: Config['banner'], stdoutIsTerminal = process.stdout.isTTY === true) {
  return setting === 'on' || (setting === 'auto' && stdoutIsTerminal);
}

const UNSPECIFIED = new Set(['0.0.0.0', '::', '::0']);

/** The base URL a person on this machine opens: an address bound on every interface is reached as localhost. */
export function baseUrlOf(address: AddressInfo): string {
  const host = UNSPECIFIED.has(address.address)
    ? 'localhost'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return `http://${host}:${address.port}`;
}

/** The banner's text: a few plain lines for the person who just ran `npm start`. */
export function bannerText(facts: BannerFacts): string {
  const base = baseUrlOf(facts.address);
  const { config } = facts;
  const lines = [
    '',
    `Epitrace ${facts.version} is running.`,
    '',
    `  App for residents     ${base}/app/`,
    `  Dashboard for staff   ${base}/dashboard/`,
    `  API documentation     ${base}/docs`,
  ];
  if (UNSPECIFIED.has(facts.address.address))
    lines.push(`  (listening on every address of this machine, port ${facts.address.port})`);
  lines.push('');
  if (config.dialect === 'sqlite') lines.push(`  Data   SQLite database ${join(config.dataDir, 'epitrace.sqlite')}`);
  else lines.push(`  Data   PostgreSQL ${hidePassword(config.databaseUrl ?? '')}, schema ${config.databaseSchema}`);
  const keyFiles = [
    ...(config.encryptionKeys === undefined ? [join(config.dataDir, 'encryption.key')] : []),
    ...(config.tokenSecret === undefined ? [join(config.dataDir, 'token.secret')] : []),
  ];
  const keyVariables = [
    ...(config.encryptionKeys === undefined ? [] : ['ENCRYPTION_KEYS']),
    ...(config.tokenSecret === undefined ? [] : ['TOKEN_SECRET']),
  ];
  if (keyFiles.length > 0)
    lines.push(`  Keys   ${keyFiles.join(' and ')} (keep copies: without them the data cannot be read)`);
  if (keyVariables.length > 0) lines.push(`  Keys   from ${keyVariables.join(' and ')}`);
  if (config.redisUrl !== undefined) lines.push(`  Redis  ${hidePassword(config.redisUrl)}`);
  lines.push('');
  if (facts.staffAccounts === 0) {
    lines.push(
      'No staff account exists yet. Create the first one (it asks for a password):',
      '  npx epitrace admin create-staff --role admin --username <name>',
    );
  } else {
    lines.push(
      `${facts.staffAccounts} staff ${facts.staffAccounts === 1 ? 'account exists' : 'accounts exist'}. Create another with:`,
      '  npx epitrace admin create-staff --role <health_professional|authority|admin|lab> --username <name>',
    );
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  return `${lines.join('\n')}\n`;
}
