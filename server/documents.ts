/**
 * What the server knows about each open document, computed on demand once per version: the
 * validation result and, for schema-driven features, vscode-json-languageservice's parse.
 */
import { getLocation, parse as parseTolerant } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { JSONDocument } from 'vscode-json-languageservice';
import { currentFormat, languageIdForPath, LANGUAGES, type LanguageId } from '../core/formats';
import type { ValidationSnapshot } from '../core/incremental';
import { ModelCache, readManifest } from '../core/model/readManifest';
import type { ManifestModel } from '../core/model/types';
import type { ManifestService } from '../core/service';
import type { ValidationResult } from '../core/validate';
import type { JsonService } from './jsonService';
import { windowAt, type DocumentWindow } from './window';

export interface DocumentState {
  document: TextDocument;
  languageId: LanguageId | undefined;
  validation(): ValidationResult;
  /** vscode-json-languageservice's view: a document whose URI selects the schema of the format version, and its parse. */
  json(): { document: TextDocument; parsed: JSONDocument };
  /** The parsed value, or a best-effort value when the text does not parse (while typing). */
  value(): unknown;
  /** What the document says (from `value()`), read as its format version or the language's current one. */
  model(): ManifestModel | undefined;
  /** For large documents, the unit around `offset` (see window.ts). */
  window(offset: number): DocumentWindow | undefined;
  /** The JSON location at `offset` (path, and the node there with document offsets), from the window when there is one. */
  location(offset: number): JsonLocation;
}

export interface JsonLocation {
  path: (string | number)[];
  isAtPropertyKey: boolean;
  node?: { type: string; offset: number; length: number; value?: unknown };
}

export function languageOf(document: TextDocument): LanguageId | undefined {
  return document.languageId in LANGUAGES ? (document.languageId as LanguageId) : languageIdForPath(document.uri);
}

export class DocumentStates {
  private readonly states = new Map<string, { version: number; state: DocumentState }>();
  /** The last validation of each document, which the next one updates incrementally. */
  private readonly snapshots = new Map<string, ValidationSnapshot>();

  /** For models read from best-effort values (text that does not parse while typing). */
  private readonly models = new ModelCache();

  constructor(
    private readonly jsonService: JsonService,
    private readonly service: ManifestService,
  ) {}

  get(document: TextDocument): DocumentState {
    const cached = this.states.get(document.uri);
    if (cached && cached.version === document.version) return cached.state;
    const languageId = languageOf(document);
    let validation: ValidationResult | undefined;
    let json: ReturnType<DocumentState['json']> | undefined;
    let model: { value: ManifestModel | undefined } | undefined;
    let lastWindow: { offset: number; window: DocumentWindow | undefined } | undefined;
    const state: DocumentState = {
      document,
      languageId,
      validation: () => (validation ??= this.validate(document, languageId)),
      json: () => (json ??= this.jsonService.parse(document, state.validation().format)),
      value: () => state.validation().value ?? parseTolerant(document.getText(), undefined, { allowTrailingComma: true, disallowComments: false }),
      model: () => {
        if (model) return model.value;
        const validation = state.validation();
        const format = validation.format ?? (languageId ? currentFormat(languageId) : undefined);
        model = { value: validation.model ?? (format ? readManifest(state.value(), format, this.models) : undefined) };
        return model.value;
      },
      // The window comes from the last validation's units carried through the edits since, so a
      // completion right after a keystroke does not wait for that keystroke's validation.
      window: (offset) => {
        if (lastWindow?.offset !== offset) lastWindow = { offset, window: windowAt(document, this.snapshots.get(document.uri), offset, this.jsonService.uriFor) };
        return lastWindow.window;
      },
      location: (offset) => {
        const window = state.window(offset);
        const base = window?.start ?? 0;
        const found = getLocation(window ? window.text : document.getText(), offset - base);
        const node = found.previousNode;
        return {
          path: window ? [...window.path, ...found.path] : found.path,
          isAtPropertyKey: found.isAtPropertyKey,
          node: node && { type: node.type, offset: node.offset + base, length: node.length, value: node.value as unknown },
        };
      },
    };
    this.states.set(document.uri, { version: document.version, state });
    return state;
  }

  private validate(document: TextDocument, languageId: LanguageId | undefined): ValidationResult {
    const text = document.getText();
    const previous = this.snapshots.get(document.uri);
    const positionAt = (offset: number) => document.positionAt(offset);
    const snapshot = previous ? this.service.update(previous, text, positionAt) : this.service.snapshot(text, languageId, positionAt);
    // While the text does not parse, the last snapshot with units is kept: the next edit that
    // repairs it is incremental against it, and windows are found from its unit boundaries.
    if (snapshot.units.length > 0 || !previous) this.snapshots.set(document.uri, snapshot);
    return snapshot.result;
  }

  /** Drops what is known about a document (closed, or what it depends on changed), or about all (settings changed). */
  forget(uri?: string): void {
    if (uri === undefined) {
      this.states.clear();
      this.snapshots.clear();
    } else {
      this.states.delete(uri);
      this.snapshots.delete(uri);
    }
  }
}
