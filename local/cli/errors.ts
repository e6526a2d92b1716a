/* The CLI's own errors: each is printed as its message, with exit code 2. */

/** A command line the CLI cannot take; printed with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that cannot do what it was asked on this data (e.g. resend a month that is not closed). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}
