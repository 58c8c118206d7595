/**
 * The request handlers of the language server, each through `runSafe` (cancellation honoured,
 * failures logged and answered with a fallback), over the one-feature modules of this folder.
 */
import type { ClientCapabilities, CodeAction, Connection, FormattingOptions, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { SERVER_COMMANDS, type Settings } from '../common/protocol';
import type { FileCache } from './cachedFileHost';
import { codeActions, resolveDigestFix, type DigestFixData } from './codeActions';
import { codeLenses } from './codeLens';
import { complete } from './completion';
import { definition } from './definition';
import type { DocumentState, DocumentStates } from './documents';
import { hover } from './hover';
import type { JsonService } from './jsonService';
import { documentLinks } from './links';
import { migrateWorkspace } from './migrateWorkspace';
import { runSafe } from './runSafe';
import { documentSymbols } from './symbols';
import type { WorkspaceIndex } from './workspaceIndex';

/** What the features read of the server session (session.ts). */
export interface FeatureContext {
  documents: TextDocuments<TextDocument>;
  states: DocumentStates;
  jsonService: JsonService;
  files: FileCache;
  workspace: WorkspaceIndex;
  readonly settings: Settings;
  readonly folders: readonly string[];
  readonly capabilities: ClientCapabilities;
}

/** Commands the server executes. */
export const SERVER_COMMAND_IDS: string[] = Object.values(SERVER_COMMANDS);

/**
 * Formatting options as a client sends them, within sane bounds: a tab size of a billion would make
 * the formatter build gigabytes of indentation.
 */
export function clampFormatting(options: FormattingOptions): FormattingOptions {
  const tabSize = Number.isFinite(options.tabSize) ? Math.min(16, Math.max(1, Math.trunc(options.tabSize))) : 4;
  return { ...options, tabSize, insertSpaces: options.insertSpaces !== false };
}

export function registerFeatures(connection: Connection, context: FeatureContext): void {
  const { documents, states, jsonService, files } = context;
  const withState = <T>(uri: string, fallback: T, run: (state: DocumentState) => T | Promise<T>): T | Promise<T> => {
    const document = documents.get(uri);
    return document ? run(states.get(document)) : fallback;
  };
  const workspaceModels = () => context.workspace.current();
  const targets = () => context.settings.targets.map((t) => t.name);
  const canResolve = () => context.capabilities.textDocument?.codeAction?.resolveSupport?.properties.includes('edit') === true;

  connection.onCompletion((params, token) =>
    runSafe(connection, 'completion', token, null, () => withState(params.textDocument.uri, null, (state) => complete({ state, position: params.position, jsonService, targets: targets(), workspaceModels }))),
  );
  connection.onHover((params, token) =>
    runSafe(connection, 'hover', token, null, () => withState(params.textDocument.uri, null, (state) => hover({ state, position: params.position, jsonService, files, workspaceModels, maxHashBytes: context.settings.validation.maxHashBytes }))),
  );
  connection.onCodeAction((params, token) =>
    runSafe(connection, 'code actions', token, [], () =>
      withState(params.textDocument.uri, [], async (state) => {
        const actions = codeActions(state, params);
        // Clients that cannot resolve edits get the digest computed now.
        if (canResolve()) return actions;
        return Promise.all(actions.map((a) => ((a.data as DigestFixData | undefined)?.fix === 'pinDigest' ? resolveDigestFix(state, a, files) : a)));
      }),
    ),
  );
  connection.onCodeActionResolve((action, token) =>
    runSafe(connection, 'resolving a code action', token, action, async (): Promise<CodeAction> => {
      const data = action.data as DigestFixData | undefined;
      const document = data?.fix === 'pinDigest' ? documents.get(data.uri) : undefined;
      return document ? resolveDigestFix(states.get(document), action, files) : action;
    }),
  );
  connection.onCodeLens((params, token) => runSafe(connection, 'code lenses', token, [], () => withState(params.textDocument.uri, [], (state) => codeLenses(state, context.settings.targets.length > 0))));
  connection.onDocumentSymbol((params, token) => runSafe(connection, 'symbols', token, [], () => withState(params.textDocument.uri, [], documentSymbols)));
  connection.onDocumentLinks((params, token) => runSafe(connection, 'links', token, [], () => withState(params.textDocument.uri, [], (state) => documentLinks(state, files))));
  connection.onDefinition((params, token) =>
    runSafe(connection, 'definition', token, [], () => withState(params.textDocument.uri, [], (state) => definition(state, params.position, workspaceModels))),
  );
  connection.onDocumentFormatting((params, token) =>
    runSafe(connection, 'formatting', token, [], () => withState(params.textDocument.uri, [], (state) => jsonService.service.format(state.json().document, undefined, clampFormatting(params.options)))),
  );
  connection.onDocumentRangeFormatting((params, token) =>
    runSafe(connection, 'range formatting', token, [], () =>
      withState(params.textDocument.uri, [], (state) => jsonService.service.format(state.json().document, params.range, clampFormatting(params.options))),
    ),
  );
  connection.onFoldingRanges((params, token) =>
    runSafe(connection, 'folding', token, [], () => withState(params.textDocument.uri, [], (state) => jsonService.service.getFoldingRanges(state.json().document))),
  );
  connection.onSelectionRanges((params, token) =>
    runSafe(connection, 'selection ranges', token, [], () =>
      withState(params.textDocument.uri, [], (state) => {
        const json = state.json();
        return jsonService.service.getSelectionRanges(json.document, params.positions, json.parsed);
      }),
    ),
  );
  connection.onExecuteCommand((params, token) =>
    runSafe(connection, `command ${params.command}`, token, null, async () => {
      if (params.command !== SERVER_COMMANDS.migrateWorkspace) return null;
      const result = await migrateWorkspace(context.folders, documents);
      for (const { uri, reason } of result.refused) connection.console.warn(`Not migrated: ${uri}: ${reason}`);
      return result.edit;
    }),
  );
}
