/**
 * An error caused by the user's input or environment. Its message says what is wrong and how to fix it;
 * the CLI prints it without a stack trace and exits non-zero, the UI shows it as is.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code = 'user_error',
  ) {
    super(message)
    this.name = 'UserError'
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** A file the user named could not be written: the message names it and the fix. */
export function cannotWrite(file: string, err: unknown): UserError {
  return new UserError(`cannot write ${file}: ${errorMessage(err)}; choose a writable path`)
}
