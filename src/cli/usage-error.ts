/** A command line that cannot be run as given: printed as one line, exit code 64. */
export class UsageError extends Error {}
