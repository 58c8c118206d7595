/**
 * vscode-json-languageservice with our schemas, for what it already does well: schema-driven
 * completion, hover text, folding, selection ranges and formatting. A document is shown to it under
 * a URI that selects the schema of its format version (decided by core, from `apiVersion`).
 */
import { getLanguageService, type JSONDocument, type LanguageService } from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FORMATS, LANGUAGES, formatOf, type FormatVersion, type LanguageId } from '../core/formats';

const FOLDER = '__tracing_reload_schema__';

function schemaUri(format: FormatVersion): string {
  return `file:///${FOLDER}/${format.apiVersion.replace('/', '-')}/manifest.json`;
}

export interface JsonService {
  service: LanguageService;
  /** The URI under which the service applies the schema of `format`. */
  uriFor(format: FormatVersion): string;
  parse(document: TextDocument, format: FormatVersion | undefined): { document: TextDocument; parsed: JSONDocument };
}

export function createJsonService(): JsonService {
  const service = getLanguageService({ clientCapabilities: { textDocument: { completion: { completionItem: { documentationFormat: ['markdown', 'plaintext'] } } } } });
  service.configure({
    validate: false,
    allowComments: true,
    schemas: FORMATS.map((format) => ({
      uri: String(format.schema.$id),
      fileMatch: [`${FOLDER}/${format.apiVersion.replace('/', '-')}/*`],
      // A copy: the service resolves $refs in place, and the originals are what ajv compiles.
      schema: structuredClone(format.schema) as never,
    })),
  });
  return {
    service,
    uriFor: schemaUri,
    parse(document, format) {
      const chosen = format ?? formatOf(LANGUAGES[(document.languageId as LanguageId) in LANGUAGES ? (document.languageId as LanguageId) : 'reload-manifest'].current);
      const view = TextDocument.create(schemaUri(chosen), 'jsonc', document.version, document.getText());
      return { document: view, parsed: service.parseJSONDocument(view) };
    },
  };
}
