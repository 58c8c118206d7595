/** A file a change names, as the runtime reads it: confined to the allowed folders, failures as step errors. */
import { describeFileError, FileAccessError, ReloadStepError } from '../errors';
import type { FileHost, FileStat } from '../localFiles';

/** The local path of `uri`; a remote uri or one outside the allowed folders is a step error at `pointer`. */
export function requireLocalPath(source: FileHost, uri: string, pointer?: string): string {
  const location = source.locate(uri);
  if (location.kind === 'local') return location.path;
  if (location.kind === 'refused') throw new ReloadStepError('ArtifactOutsideRoots', location.reason, pointer);
  throw new ReloadStepError('UnsupportedArtifactUri', `${uri}: only paths relative to the manifest, file: and http(s): URIs can be staged.`, pointer);
}

/** A file error as the step error it means for the run. */
export function fileStepError(error: unknown, path: string, pointer?: string): unknown {
  if (error instanceof ReloadStepError) return error;
  if (error instanceof FileAccessError && error.reason === 'outside-roots') return new ReloadStepError('ArtifactOutsideRoots', error.message, pointer);
  if ((error as NodeJS.ErrnoException | undefined)?.code !== undefined || error instanceof FileAccessError) {
    return new ReloadStepError('ArtifactUnreadable', `Cannot read ${path}: ${describeFileError(error)}.`, pointer);
  }
  return error;
}

/** stat through the host, with file errors as step errors. */
export async function statFile(source: FileHost, path: string, pointer?: string): Promise<FileStat | undefined> {
  try {
    return await source.stat(path);
  } catch (error) {
    throw fileStepError(error, path, pointer);
  }
}
