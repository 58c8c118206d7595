/** Reading trace files: the error for a file that cannot be read, and the checks the readers share. */

/** A trace file that cannot be read: the message says what is wrong and where. */
export class TraceFormatError extends Error {}

export const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A list field: absent (or null) is empty, anything but an array is a mistake in the file. */
export function listOf(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TraceFormatError(`${where} must be an array`);
  return value;
}
