/**
 * The server could not start for a reason the operator can fix (port in use, database unreachable, data directory
 * locked or not writable): printed as one line without a stack trace, and the process exits with `exitCode`.
 */
export class StartupFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
