/**
 * What the process's exit status says happened, for scripts. The usage and lookup codes follow
 * BSD's sysexits (as `pnpm keys` does); the run outcomes are small numbers a shell can test.
 */
export const exitCodes = {
  /** The command did what was asked; with `--wait`, the run succeeded. */
  ok: 0,
  /** The run ended `failed`. */
  runFailed: 1,
  /** The run ended `canceled`. */
  runCanceled: 2,
  /** Bad usage: unknown command or option, a missing or malformed argument. */
  usage: 64,
  /** The API refused the request as invalid (400, 409, 413, 415, 422). */
  rejected: 65,
  /** The run or report does not exist (or belongs to another team). */
  notFound: 66,
  /** The API could not be reached, or answered 5xx or 429. */
  unavailable: 69,
  /** The API key is missing, unknown or revoked (401, 403). */
  auth: 77,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** An error the CLI reports in one line and exits with. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 404) return exitCodes.notFound;
  if (status === 429 || status >= 500) return exitCodes.unavailable;
  return exitCodes.rejected;
}
