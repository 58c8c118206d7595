/**
 * Every request and notification handler runs through here: cancellation is honoured, and a
 * failure is logged and answered with a fallback instead of taking the server down or vanishing.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver';

const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/** A rejection handler that logs what failed (for fire-and-forget work: nothing is swallowed silently). */
export function logError(connection: Connection, what: string): (error: unknown) => void {
  return (error) => {
    const line = `${what} failed: ${describe(error)}`;
    try {
      connection.console.error(line);
    } catch {
      // The connection is gone (the client went away): stderr is the log left (stdout is LSP's).
      process.stderr.write(`${line}\n`);
    }
  };
}

export function runSafe<T>(connection: Connection, what: string, token: CancellationToken | undefined, fallback: T, run: () => T | Promise<T>): Promise<T | ResponseError<any>> {
  return new Promise((resolve) => {
    setImmediate(async () => {
      if (token?.isCancellationRequested) return resolve(cancelled());
      try {
        const result = await run();
        resolve(token?.isCancellationRequested ? cancelled() : result);
      } catch (error) {
        logError(connection, what)(error);
        resolve(fallback);
      }
    });
  });
}

/** For notifications: runs `run`, logging a failure instead of letting it escape. */
export function runNotification(connection: Connection, what: string, run: () => void | Promise<void>): void {
  try {
    const done = run();
    if (done) done.catch(logError(connection, what));
  } catch (error) {
    logError(connection, what)(error);
  }
}

/** `retriggerRequest` tells a pulling client to ask for diagnostics again; other requests ignore it. */
function cancelled(): ResponseError<{ retriggerRequest: boolean }> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled', { retriggerRequest: true });
}
