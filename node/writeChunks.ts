/**
 * Writing long output (a converted trace) to a Node stream piece by piece: chunks are gathered
 * into writes of about 64 KiB, and whenever a write reports a full buffer the next one waits for
 * 'drain', so memory holds one batch rather than the whole output however slow the reader.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

const BATCH_CHARS = 64 * 1024;

/** `chunks` joined into strings of at least BATCH_CHARS (the last may be shorter). */
export function* batched(chunks: Iterable<string>, size = BATCH_CHARS): Generator<string> {
  let parts: string[] = [];
  let length = 0;
  for (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield parts.join('');
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield parts.join('');
}

/** Resolves on 'drain'; rejects when the stream errs or closes first (a reader that went away). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onClose = (): void => settle(new Error('the output was closed before everything was written'));
    const onError = (error: Error): void => settle(error);
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}

/** Writes `chunks` to `stream` with backpressure; does not end the stream. */
export async function writeChunks(stream: Writable, chunks: Iterable<string>): Promise<void> {
  for (const batch of batched(chunks)) {
    if (stream.destroyed) throw new Error('the output was closed before everything was written');
    if (!stream.write(batch)) await drained(stream);
  }
}

/** Writes `chunks` to a new file at `path` (replacing it); rejects when the file cannot be written. */
export async function writeFileChunks(path: string, chunks: Iterable<string>): Promise<void> {
  const file = createWriteStream(path);
  const written = writeChunks(file, chunks).finally(() => file.end());
  await Promise.all([written, finished(file)]);
}
