/** Every request handler runs through here: cancellation is honoured, and a failure is logged and answered with a fallback instead of taking the server down. */
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver';

export function runSafe<T>(connection: Connection, what: string, token: CancellationToken, fallback: T, run: () => T | Promise<T>): Promise<T | ResponseError<any>> {
  return new Promise((resolve) => {
    setImmediate(async () => {
      if (token.isCancellationRequested) return resolve(cancelled());
      try {
        const result = await run();
        resolve(token.isCancellationRequested ? cancelled() : result);
      } catch (error) {
        connection.console.error(`${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        resolve(fallback);
      }
    });
  });
}

/** `retriggerRequest` tells a pulling client to ask for diagnostics again; other requests ignore it. */
function cancelled(): ResponseError<{ retriggerRequest: boolean }> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled', { retriggerRequest: true });
}
