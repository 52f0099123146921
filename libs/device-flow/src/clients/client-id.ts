/** Longest client id: the clients table's `client_id` column. */
export const MAX_CLIENT_ID_LENGTH = 255;

/** `client-id = *VSCHAR`, `VSCHAR = %x20-7E` (RFC 6749 Appendix A.1), 1 to {@link MAX_CLIENT_ID_LENGTH} of them. */
const CLIENT_ID = new RegExp(`^[\\x20-\\x7e]{1,${MAX_CLIENT_ID_LENGTH}}$`);

/**
 * Whether `value` can be a client id at all: 1 to 255 visible ASCII characters or spaces (RFC 6749 Appendix A.1;
 * the module's configured clients are stricter still, see `resolveDeviceFlowOptions`). Anything else (a NUL byte
 * or another control character, non-ASCII, an empty or over-long value) names no client, so it is refused
 * before any lookup: no store ever sees it (PostgreSQL rejects a NUL byte in a text parameter with an error).
 *
 * @see RFC 6749 §2.2, Appendix A.1
 */
export function isClientId(value: string): boolean {
  return CLIENT_ID.test(value);
}
