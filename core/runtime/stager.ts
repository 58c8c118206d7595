/**
 * Staging for a whole run. Kept bytes share one memory budget: a staging that would go over it
 * waits for others to be released, and an artifact larger than the budget is refused before it
 * is read. An artifact named twice (the same file or URL, the same declared size) is read once:
 * every caller gets the one result, each checked against its own digest.
 */
import { cancellationOf, ReloadStepError } from '../errors';
import { ByteBudget } from './byteBudget';
import type { ArtifactSource } from './artifactSource';
import { checkDigest, DEFAULT_MAX_UNSIZED_FETCH_BYTES, locateArtifact, stageArtifact, type ArtifactLocation, type ArtifactRef, type StagedArtifact } from './stage';

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

/** What is known of one read of one artifact, shared by the callers that name it. */
interface ReadState {
  key: string;
  settled: boolean;
  /** Callers waiting for the result. */
  waiting: number;
  /** Callers holding the kept bytes (not yet released). */
  holders: number;
  /** Bytes taken from the budget for this read's kept bytes. */
  reserved: number;
  controller: AbortController;
  progress: Set<(bytes: number, total: number | undefined) => void>;
}

interface SharedRead extends ReadState {
  result: Promise<StagedArtifact>;
}

export function createStager(options: StagerOptions): Stager {
  return new RunStager(options);
}

class RunStager implements Stager {
  private readonly budget: ByteBudget;
  private readonly reads = new Map<string, SharedRead>();

  constructor(private readonly options: StagerOptions) {
    this.budget = new ByteBudget(options.maxRetainedBytes ?? DEFAULT_MAX_RETAINED_BYTES);
  }

  get retainedBytes(): number {
    return this.budget.inUse;
  }

  async stage(artifact: ArtifactRef, request: StageRequest): Promise<HeldArtifact> {
    const { signal, pointer, retain } = request;
    if (signal?.aborted) throw cancellationOf(signal, 'Staging');
    const location = locateArtifact(this.options.source, artifact, pointer);
    const key = JSON.stringify([location.kind === 'url' ? location.url : location.path, artifact.size ?? null, retain]);
    const read = this.reads.get(key) ?? this.start(key, artifact, retain, location);
    if (retain) read.holders++;
    const staged = await this.wait(read, request);
    try {
      checkDigest(staged, artifact, pointer);
    } catch (error) {
      if (retain) this.release(read);
      throw error;
    }
    let released = !retain;
    return {
      ...staged,
      uri: artifact.uri,
      release: () => {
        if (released) return;
        released = true;
        this.release(read);
      },
    };
  }

  /** Starts the one read of an artifact, under the pointer RELATIVE so that each caller's errors can be put under its own pointer. */
  private start(key: string, artifact: ArtifactRef, retain: boolean, location: ArtifactLocation): SharedRead {
    const state: ReadState = { key, settled: false, waiting: 0, holders: 0, reserved: 0, controller: new AbortController(), progress: new Set() };
    const read: SharedRead = Object.assign(state, { result: this.runRead(state, artifact, retain, location) });
    this.reads.set(key, read);
    return read;
  }

  private runRead(read: ReadState, artifact: ArtifactRef, retain: boolean, location: ArtifactLocation): Promise<StagedArtifact> {
    const unsizedCap = this.options.maxUnsizedFetchBytes ?? DEFAULT_MAX_UNSIZED_FETCH_BYTES;
    const staging = stageArtifact(this.options.source, { uri: artifact.uri, size: artifact.size }, {
      retain,
      location,
      pointer: RELATIVE,
      signal: read.controller.signal,
      maxArtifactBytes: this.options.maxArtifactBytes,
      maxUnsizedFetchBytes: retain ? Math.min(unsizedCap, this.budget.capacity) : unsizedCap,
      beforeRead: retain ? (bytes) => this.reserve(read, artifact, bytes) : undefined,
      onProgress: (bytes, total) => {
        for (const listener of read.progress) listener(bytes, total);
      },
    });
    return staging.then(
      (staged) => {
        read.settled = true;
        // An unsized fetch reserved its cap; the reservation shrinks to what arrived.
        const kept = staged.bytes?.byteLength ?? 0;
        this.budget.give(read.reserved - kept);
        read.reserved = kept;
        if (retain && read.holders === 0) this.forget(read);
        return staged;
      },
      (error: unknown) => {
        read.settled = true;
        this.forget(read);
        throw error;
      },
    );
  }

  /** Takes the memory for a read's kept bytes, waiting for releases; refuses what can never fit. */
  private async reserve(read: ReadState, artifact: ArtifactRef, bytes: number): Promise<void> {
    const { capacity } = this.budget;
    if (bytes > capacity) {
      const field = `${RELATIVE}${artifact.size !== undefined ? '/size' : '/uri'}`;
      throw new ReloadStepError('ArtifactTooLarge', `${artifact.uri} is ${bytes} bytes, more than the ${capacity} bytes staging may keep in memory at once: it cannot be loaded here; nothing was read.`, field);
    }
    await this.budget.take(bytes, read.controller.signal);
    read.reserved = bytes;
  }

  /** One caller's wait for a shared read; the read stops when its last waiter gives up. */
  private async wait(read: SharedRead, request: StageRequest): Promise<StagedArtifact> {
    const { signal, onProgress } = request;
    read.waiting++;
    if (onProgress) read.progress.add(onProgress);
    try {
      return await untilCancelled(read.result, signal);
    } catch (error) {
      if (request.retain) this.release(read);
      throw underPointer(error, request.pointer);
    } finally {
      read.waiting--;
      if (onProgress) read.progress.delete(onProgress);
      if (read.waiting === 0 && !read.settled) read.controller.abort(signal?.reason);
    }
  }

  private release(read: ReadState): void {
    read.holders--;
    if (read.holders === 0 && read.settled) this.forget(read);
  }

  /** Gives a read's memory back; a later caller reads the artifact again. */
  private forget(read: ReadState): void {
    this.budget.give(read.reserved);
    read.reserved = 0;
    if (this.reads.get(read.key) === read) this.reads.delete(read.key);
  }
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

/**
 * The shared read's stand-in for the artifact's pointer: no JSON pointer starts with "#", so an
 * error pointing under it is about the artifact, and any other (a deadline's) is left as it is.
 */
const RELATIVE = '#artifact';

/** An error of the shared read (pointers under RELATIVE) under the caller's pointer. */
function underPointer(error: unknown, pointer: string | undefined): unknown {
  if (!(error instanceof ReloadStepError) || error.pointer === undefined || !error.pointer.startsWith(RELATIVE)) return error;
  return new ReloadStepError(error.type, error.message, pointer === undefined ? undefined : `${pointer}${error.pointer.slice(RELATIVE.length)}`);
}
