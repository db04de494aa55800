/**
 * An error the user caused (bad input, missing file, failed check). Its message is one line that names
 * the file, line or field at fault; adapters print it without a stack trace.
 */
export interface ErrorLocation {
  file?: string;
  line?: number;
  field?: string;
}

export class UserError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;

  constructor(message: string, code = 'USER_ERROR', location: ErrorLocation = {}) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.location = location;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of any thrown value, for logs and one-line reports. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
