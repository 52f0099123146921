/** Exit codes of `device-login`, one per outcome, so scripts can branch on them. */
export const ExitCode = {
  /** The user approved; the token response was printed. */
  Approved: 0,
  /** Any failure: network, server, protocol, or an OAuth error such as `invalid_client`. */
  Error: 1,
  /** Bad command-line arguments. */
  Usage: 2,
  /** The user denied the request (`access_denied`). */
  Denied: 3,
  /** The code expired before a decision (`expired_token`, or `expires_in` passed). */
  Expired: 4,
  /** `--timeout` passed before a decision. */
  Timeout: 5,
  /** Interrupted (Ctrl-C / SIGINT / SIGTERM); 128 + SIGINT, as shells report it. */
  Interrupted: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
