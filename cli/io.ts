/** What a command writes and how it ends; commands return this instead of touching the process. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Writes long output (a converted trace) piece by piece, resolving once all is taken; it waits
   * while stdout cannot take more, so the whole output never has to exist as one string.
   */
  writeStdout(chunks: Iterable<string>): Promise<void>;
  /** Whether stderr is a terminal: progress lines and colour are shown only then. */
  stderrIsTerminal?: boolean;
  /** Standard input, read when a file argument is `-`. */
  stdin?: AsyncIterable<Uint8Array>;
}

/** Exit codes shared by every command (DESIGN.md §6.1). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}
