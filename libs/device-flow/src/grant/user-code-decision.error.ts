/** Why a user code cannot be approved or denied. */
export type UserCodeProblem =
  | 'invalid'
  | 'expired'
  | 'already_decided'
  | 'scope_not_requested'
  /** Approved with no scope, for a request that asked for some: deny it instead (RFC 6749 §5.1). */
  | 'no_scope'
  /** The admin kill switch disabled the device grant for this code's client. */
  | 'client_disabled';

/**
 * A user-facing problem with a user code (wrong, expired, already used). Not an OAuth protocol error: the
 * verification page renders it, never as JSON.
 */
export class UserCodeDecisionError extends Error {
  /** @param problem why the code cannot be decided; the page shows a message for it. */
  constructor(readonly problem: UserCodeProblem) {
    super(`user code cannot be decided: ${problem}`);
    this.name = 'UserCodeDecisionError';
  }
}
