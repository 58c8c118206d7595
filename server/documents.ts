/**
 * What the server knows about each open document, computed on demand once per version: the
 * validation result and, for schema-driven features, vscode-json-languageservice's parse.
 */
import { getLocation, parse as parseTolerant } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { JSONDocument } from 'vscode-json-languageservice';
import { languageIdForPath, LANGUAGES, type LanguageId } from '../core/formats';
import { updateSnapshot, validateWithSnapshot, type ValidationSnapshot } from '../core/incremental';
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

  constructor(
    private readonly jsonService: JsonService,
    private readonly knownTargets: () => readonly string[] | undefined,
    private readonly knownModels: () => ReadonlySet<string> | undefined,
  ) {}

  get(document: TextDocument): DocumentState {
    const cached = this.states.get(document.uri);
    if (cached && cached.version === document.version) return cached.state;
    const languageId = languageOf(document);
    let validation: ValidationResult | undefined;
    let json: ReturnType<DocumentState['json']> | undefined;
    let lastWindow: { offset: number; window: DocumentWindow | undefined } | undefined;
    const state: DocumentState = {
      document,
      languageId,
      validation: () => (validation ??= this.validate(document, languageId)),
      json: () => (json ??= this.jsonService.parse(document, state.validation().format)),
      value: () => state.validation().value ?? parseTolerant(document.getText(), undefined, { allowTrailingComma: true, disallowComments: false }),
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
    const snapshot = previous
      ? updateSnapshot(previous, text, positionAt)
      : validateWithSnapshot(text, { languageId, knownTargets: this.knownTargets(), knownModels: languageId === 'mcp-context' ? this.knownModels() : undefined }, positionAt);
    // While the text does not parse, the last snapshot with units is kept: the next edit that
    // repairs it is incremental against it, and windows are found from its unit boundaries.
    if (snapshot.units.length > 0 || !previous) this.snapshots.set(document.uri, snapshot);
    return snapshot.result;
  }

  /** Drops what is known about a document (closed), or about all (settings or the workspace changed). */
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
