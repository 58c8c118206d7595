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

/** The error.type for any thrown value: ours keep their type, anything else is its constructor name. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof ReloadStepError) return error.type;
  return error instanceof Error ? error.constructor.name : 'Error';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
