/** A mistake in how a command was called or what it was given: shown without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
