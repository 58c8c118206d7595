/** A step of a reload failed for a reason the user can act on; `type` becomes the span's error.type. */
export class ReloadStepError extends Error {
  constructor(
    readonly type: ReloadErrorType,
    message: string,
    /** JSON pointer of the manifest value the failure is about. */
    readonly pointer?: string,
  ) {
    super(message);
    this.name = 'ReloadStepError';
  }
}

export type ReloadErrorType =
  | 'InvalidManifest'
  | 'ManifestExpired'
  | 'MissingDigest'
  | 'ArtifactNotFound'
  | 'UnsupportedArtifactUri'
  | 'ArtifactFetchFailed'
  | 'ArtifactTooLarge'
  | 'StagingCancelled'
  | 'DigestMismatch'
  | 'SizeMismatch'
  | 'ModelLoadFailed'
  | 'SignatureMismatch'
  | 'ConfigInvalid'
  | 'AdapterMismatch'
  | 'KnowledgeInvalid'
  | 'TemplateInvalid'
  | 'ResourceInvalid'
  | 'SessionConflict'
  | 'PatchFailed'
  | 'ProbeFailed'
  | 'ProbeTooSlow'
  | 'DeadlineExceeded';

/**
 * An http(s) response larger than its caller allowed (`maxBytes`), announced by Content-Length or
 * received: the transfer was stopped. Staging turns it into a SizeMismatch or ArtifactTooLarge.
 */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    /** The Content-Length that announced too many bytes; undefined when the bytes themselves overflowed. */
    readonly announcedBytes?: number,
  ) {
    super(announcedBytes !== undefined ? `the server announced ${announcedBytes} bytes (Content-Length), more than the ${maxBytes} allowed` : `more than the ${maxBytes} bytes allowed arrived; the transfer was stopped`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The error.type for any thrown value: ours keep their type, anything else is its constructor name. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof ReloadStepError) return error.type;
  return error instanceof Error ? error.constructor.name : 'Error';
}

/** The error a step stopped through `signal` rejects with: the signal's reason when it is an Error. */
export function cancellationOf(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new ReloadStepError('StagingCancelled', `${what} was cancelled${reason === undefined ? '' : ` (${String(reason)})`}.`);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
