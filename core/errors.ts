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
  | 'ArtifactOutsideRoots'
  | 'ArtifactUnreadable'
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
  /** A probe's input does not fit the loaded model's input signature (names, dims, element types). */
  | 'ProbeInputInvalid'
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

/**
 * A file a manifest names cannot be used: it leads outside the allowed folders (through a symbolic
 * link), or reading it failed (EACCES, EIO, …). File hosts throw it; checks turn it into a
 * diagnostic on the field naming the file, and the runtime into a failed step.
 */
export class FileAccessError extends Error {
  constructor(
    readonly reason: 'outside-roots' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'FileAccessError';
  }
}

/** What went wrong with a file operation, in words a user can act on, without the path (the caller names the file) or any file content. */
export function describeFileError(error: unknown): string {
  if (error instanceof FileAccessError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ELOOP':
      return 'its symbolic links form a loop';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'the disk quota is exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EFBIG':
      return 'file too large (a file size limit is set for this process)';
    case 'EEXIST':
      return 'a file already exists there';
    case 'EIO':
      return 'an input/output error (EIO): the disk or file system failed';
    case undefined:
      return error instanceof Error ? error.message : String(error);
    default:
      return `the system refused (${code})`;
  }
}
