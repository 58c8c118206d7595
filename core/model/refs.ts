/**
 * Change references: `model:<id>`, `config:<id>`, `flagset:<id>`, optionally `@<version>`
 * (DESIGN.md §3.2). Parsed here and nowhere else.
 */

export type RefKind = 'model' | 'config' | 'flagset';

/** A parsed change reference such as `config:sentiment-preprocess@1.2`. */
export interface ChangeRef {
  kind: RefKind;
  id: string;
  version?: string;
}

const CHANGE_REF = /^(model|config|flagset):([^@]+)(?:@(.+))?$/;

export function parseChangeRef(text: string): ChangeRef | undefined {
  const match = CHANGE_REF.exec(text);
  if (!match) return undefined;
  return match[3] === undefined ? { kind: match[1] as RefKind, id: match[2] } : { kind: match[1] as RefKind, id: match[2], version: match[3] };
}

/** `kind:id`, without a version: how a change is named in spans, results and indexes. */
export function refKey(ref: Pick<ChangeRef, 'kind' | 'id'>): string {
  return `${ref.kind}:${ref.id}`;
}

/** The reference kind of a reload manifest's change kind (`Model` → `model`). */
export const REF_KIND_OF: Readonly<Record<string, RefKind>> = { Model: 'model', Config: 'config', FlagSet: 'flagset' };
