/** Logging into the worker's log, inside the calling task's span (target `wasmconnect::guest`). */

import { log as hostLog } from 'wasmconnect:connector/log@0.1.0';

function format(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.stack ?? `${a.name}: ${a.message}`;
      try {
        return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

/** Log functions; arguments are joined with spaces, non-strings as JSON. */
export const log = {
  /** A trace event. */
  trace: (...args: unknown[]): void => hostLog('trace', format(args)),
  /** A debug event. */
  debug: (...args: unknown[]): void => hostLog('debug', format(args)),
  /** An info event. */
  info: (...args: unknown[]): void => hostLog('info', format(args)),
  /** A warning. */
  warn: (...args: unknown[]): void => hostLog('warn', format(args)),
  /** An error event. */
  error: (...args: unknown[]): void => hostLog('error', format(args)),
};
