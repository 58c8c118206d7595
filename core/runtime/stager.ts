/**
 * Staging for a whole run. Kept bytes share one memory budget: a staging that would go over it
 * waits for others to be released, and an artifact larger than the budget is refused before it
 * is read. An artifact named twice (the same file or URL, the same declared size) is read once:
 * every caller gets the one result, each checked against its own digest.
 */
import { cancellationOf, ReloadStepError } from '../errors';
import { ByteBudget } from './byteBudget';
import { checkDigest, DEFAULT_MAX_UNSIZED_FETCH_BYTES, locateArtifact, stageArtifact, type ArtifactRef, type ArtifactSource, type StagedArtifact } from './stage';

/** Default for StagerOptions.maxRetainedBytes: as much as the largest artifact kept (DEFAULT_MAX_RETAINED_ARTIFACT_BYTES). */
export const DEFAULT_MAX_RETAINED_BYTES = 2 * 1024 * 1024 * 1024;

export interface StagerOptions {
  source: ArtifactSource;
  /** Bytes that kept artifacts hold at once, from the start of their staging until release() (default DEFAULT_MAX_RETAINED_BYTES). */
  maxRetainedBytes?: number;
  /** Per artifact, as StageOptions.maxArtifactBytes. */
  maxArtifactBytes?: number;
  /** As StageOptions.maxUnsizedFetchBytes; for kept bytes also at most maxRetainedBytes. */
  maxUnsizedFetchBytes?: number;
}

export interface StageRequest {
  /** Keep the bytes (for loading); they count against maxRetainedBytes until release(). */
  retain: boolean;
  /** JSON pointer of the artifact object, for errors. */
  pointer?: string;
  /** Stops this caller's wait; the shared read stops when no caller waits for it any more. */
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number | undefined) => void;
}

export interface HeldArtifact extends StagedArtifact {
  /** Gives the kept bytes' memory back to the budget: call it once they are loaded or dropped. Idempotent. */
  release(): void;
}

export interface Stager {
  stage(artifact: ArtifactRef, request: StageRequest): Promise<HeldArtifact>;
  /** Bytes reserved now by kept artifacts and stagings under way. */
  readonly retainedBytes: number;
}

/** One read of one artifact, shared by the callers that name it. */
interface SharedRead {
  result: Promise<StagedArtifact>;
  settled: boolean;
  /** Callers waiting for the result. */
  waiting: number;
  /** Callers holding the kept bytes (not yet released). */
  holders: number;
  /** Bytes taken from the budget for this read's kept bytes. */
  reserved: { bytes: number };
  controller: AbortController;
  progress: Set<(bytes: number, total: number | undefined) => void>;
}

export function createStager(options: StagerOptions): Stager {
  const budget = new ByteBudget(options.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES);
  const reads = new Map<string, SharedRead>();

  const forget = (key: string, read: SharedRead): void => {
    budget.give(read.reserved.bytes);
    read.reserved.bytes = 0;
    if (reads.get(key) === read) reads.delete(key);
  };

  const start = (key: string, artifact: ArtifactRef, retain: boolean): SharedRead => {
    const controller = new AbortController();
    const reserved = { bytes: 0 };
    const progress = new Set<(bytes: number, total: number | undefined) => void>();
    const unsizedCap = options.maxUnsizedFetchBytes ?? DEFAULT_MAX_UNSIZED_FETCH_BYTES;
    // Read under the pointer '' so that each caller's errors can be put under its own pointer.
    const staging = stageArtifact(options.source, { uri: artifact.uri, size: artifact.size }, {
      retain,
      pointer: '',
      signal: controller.signal,
      maxArtifactBytes: options.maxArtifactBytes,
      maxUnsizedFetchBytes: retain ? Math.min(unsizedCap, budget.capacity) : unsizedCap,
      beforeRead: retain
        ? async (bytes) => {
            if (bytes > budget.capacity) {
              const field = artifact.size !== undefined ? '/size' : '/uri';
              throw new ReloadStepError('ArtifactTooLarge', `${artifact.uri} is ${bytes} bytes, more than the ${budget.capacity} bytes staging may keep in memory at once: it cannot be loaded here; nothing was read.`, field);
            }
            await budget.take(bytes, controller.signal);
            reserved.bytes = bytes;
          }
        : undefined,
      onProgress: (bytes, total) => {
        for (const listener of progress) listener(bytes, total);
      },
    });
    const read: SharedRead = {
      settled: false,
      waiting: 0,
      holders: 0,
      reserved,
      controller,
      progress,
      result: staging.then(
        (staged) => {
          read.settled = true;
          // An unsized fetch reserved its cap; keep the reservation to what arrived.
          const kept = staged.bytes?.byteLength ?? 0;
          budget.give(reserved.bytes - kept);
          reserved.bytes = kept;
          if (retain && read.holders === 0) forget(key, read);
          return staged;
        },
        (error: unknown) => {
          read.settled = true;
          forget(key, read);
          throw error;
        },
      ),
    };
    return read;
  };

  const release = (key: string, read: SharedRead): void => {
    read.holders--;
    if (read.holders === 0 && read.settled) forget(key, read);
  };

  return {
    get retainedBytes() {
      return budget.inUse;
    },
    async stage(artifact, request) {
      const { signal, pointer } = request;
      if (signal?.aborted) throw cancellationOf(signal, 'Staging');
      const location = locateArtifact(options.source, artifact, pointer);
      const key = JSON.stringify([location.kind === 'url' ? location.url : location.path, artifact.size ?? null, request.retain]);
      let read = reads.get(key);
      if (!read) {
        read = start(key, artifact, request.retain);
        reads.set(key, read);
      }
      const shared = read;
      shared.waiting++;
      if (request.retain) shared.holders++;
      if (request.onProgress) shared.progress.add(request.onProgress);
      let staged: StagedArtifact;
      try {
        staged = await untilCancelled(shared.result, signal);
      } catch (error) {
        if (request.retain) release(key, shared);
        throw underPointer(error, pointer);
      } finally {
        shared.waiting--;
        if (request.onProgress) shared.progress.delete(request.onProgress);
        if (shared.waiting === 0 && !shared.settled) shared.controller.abort(signal?.reason);
      }
      try {
        checkDigest(staged, artifact, pointer);
      } catch (error) {
        if (request.retain) release(key, shared);
        throw error;
      }
      let released = !request.retain;
      return {
        ...staged,
        uri: artifact.uri,
        release: () => {
          if (released) return;
          released = true;
          release(key, shared);
        },
      };
    },
  };
}

/** `promise`, or the caller's cancellation as soon as `signal` aborts. */
function untilCancelled<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancellationOf(signal, 'Staging'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** An error of the shared read (pointers relative to the artifact object) under the caller's pointer. */
function underPointer(error: unknown, pointer: string | undefined): unknown {
  if (!(error instanceof ReloadStepError) || error.pointer === undefined) return error;
  return new ReloadStepError(error.type, error.message, pointer === undefined ? undefined : `${pointer}${error.pointer}`);
}
