/**
 * `verification_uri_complete`: the verification URI with the user code in its `user_code` query parameter,
 * so a link or QR code opens the page with the code filled in.
 *
 * @see RFC 8628 §3.3.1
 */
export function buildVerificationUriComplete(
  verificationUri: string,
  displayUserCode: string,
): string {
  const url = new URL(verificationUri);
  url.searchParams.set('user_code', displayUserCode);
  return url.toString();
}
