/** Helpers that read AWS SDK v3 errors without trusting their shape. */

/** True when the SDK error carries this name. */
export function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

// SignatureDoesNotMatch and some credential-provider errors echo the access key or the canonical
// request; an error message travels into execution history, so scrub anything shaped like those.
const SECRET_SHAPES: RegExp[] = [
  /\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b/g,
  /(Credential|Signature|X-Amz-Security-Token|SessionToken|SecretAccessKey)=[^\s,&'"]+/gi,
  /(aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)["']?\s*[:=]\s*["']?[^\s,"']+/gi,
];

/** `Name: message` of an SDK error, with anything shaped like a credential removed. */
export function describeSdkError(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return SECRET_SHAPES.reduce(
    (text, shape) =>
      text.replace(shape, (_match, key: unknown) =>
        typeof key === 'string' ? `${key}=[redacted]` : '[redacted]',
      ),
    message,
  );
}
