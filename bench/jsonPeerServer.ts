/**
 * The peer for bench/lsp: vscode-json-languageservice behind a minimal LSP server, with the same
 * schema, the same transport (stdio) and the same features measured (validation published on each
 * change, completion, hover). Not part of the product.
 */
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from 'vscode-json-languageservice';
import reloadV2Schema from '../schemas/reload-v2.schema.json';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const service = getLanguageService({});
service.configure({ validate: true, allowComments: true, schemas: [{ uri: reloadV2Schema.$id, fileMatch: ['*.reload.json'], schema: reloadV2Schema as never }] });

connection.onInitialize(() => ({
  capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, completionProvider: {}, hoverProvider: true },
}));

documents.onDidChangeContent(async ({ document }) => {
  const version = document.version;
  const diagnostics = await service.doValidation(document, service.parseJSONDocument(document), { comments: 'ignore', trailingCommas: 'ignore' });
  if (documents.get(document.uri)?.version === version) await connection.sendDiagnostics({ uri: document.uri, version, diagnostics });
});
connection.onCompletion(async (params) => {
  const document = documents.get(params.textDocument.uri);
  return document ? service.doComplete(document, params.position, service.parseJSONDocument(document)) : null;
});
connection.onHover(async (params) => {
  const document = documents.get(params.textDocument.uri);
  return document ? service.doHover(document, params.position, service.parseJSONDocument(document)) : null;
});
documents.listen(connection);
connection.listen();
