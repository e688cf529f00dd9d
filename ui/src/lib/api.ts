import { commands, type AppError, type Result } from './bindings';

/** A failed command, carrying the backend's stable error code. */
export class CommandError extends Error {
  readonly code: AppError['code'];

  constructor(error: AppError) {
    super(error.message);
    this.name = 'CommandError';
    this.code = error.code;
  }
}

/** Awaits a generated command and returns its data, or throws a CommandError. */
export async function call<T>(pending: Promise<Result<T, AppError>>): Promise<T> {
  const result = await pending;
  if (result.status === 'ok') return result.data;
  throw new CommandError(result.error);
}

export { commands };
