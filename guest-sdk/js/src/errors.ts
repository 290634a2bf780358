/**
 * Errors a connector throws. They become the WIT `connect-error`: {@link RetriableError} is
 * `retriable` (the worker backs off and calls again with the same input); everything else,
 * {@link FatalError} or any other thrown value, is `fatal(message)` and fails the task.
 */

/** The base of the SDK's errors; `retriable` says whether a retry may help. */
export class ConnectError extends Error {
  /** Whether the worker should back off and call again (Connect's `RetriableException`). */
  readonly retriable: boolean;
  constructor(message: string, retriable = false, options?: { cause?: unknown }) {
    super(message, options);
    this.name = retriable ? 'RetriableError' : 'FatalError';
    this.retriable = retriable;
  }
}

/** Transient: the worker backs off and calls again with the same input. */
export class RetriableError extends ConnectError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
  }
}

/** The task or connector cannot go on: it moves to FAILED with this message. */
export class FatalError extends ConnectError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

/** The WIT `connect-error` variant. */
export type WitConnectError = { tag: 'retriable'; val: string } | { tag: 'fatal'; val: string };

/** The message of any thrown value. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) {
    const prefix = e instanceof ConnectError || e.name === 'Error' ? '' : `${e.name}: `;
    return prefix + e.message;
  }
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

/** The WIT error for any thrown value: retriable only for a `RetriableError`. */
export function toWitError(e: unknown): WitConnectError {
  const message = messageOf(e);
  return e instanceof ConnectError && e.retriable ? { tag: 'retriable', val: message } : { tag: 'fatal', val: message };
}
