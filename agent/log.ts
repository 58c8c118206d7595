/**
 * The agent's log: JSON lines on standard output, one object per event, with the trace and span
 * ids of the apply it belongs to (so a log line leads to its trace). Never a token, never a
 * manifest's content beyond its name and ids.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogFields {
  trace_id?: string;
  span_id?: string;
  [key: string]: unknown;
}

export type Logger = (level: LogLevel, msg: string, fields?: LogFields) => void;

export function jsonLinesLogger(write: (line: string) => void, now: () => Date = () => new Date()): Logger {
  return (level, msg, fields = {}) => {
    write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
  };
}
