/**
 * Which MCP server definitions the extension gives VS Code (client/mcpDefinitions.ts): per
 * configured target, the context manifest behind the serial it serves after this VS Code's applies
 * and rollbacks, its label, its /mcp URI and its digest as the version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterApply, afterRollback, contextAt, MAX_RECORDS, mcpApi, mcpUri, parseState, serverEntries, type McpContextState } from '../../client/mcpDefinitions';

const STAGING = { name: 'staging', url: 'http://127.0.0.1:7070' };
const PROD = { name: 'prod', url: 'https://reload.example.com/agent/' };
const V1 = `sha256:${'1'.repeat(64)}`;
const V2 = `sha256:${'2'.repeat(64)}`;
const MODELS = `sha256:${'m'.repeat(64)}`;

const context = (name: string, digest: string, serial: number) => ({ languageId: 'mcp-context' as const, name, digest, serial });

test('nothing is listed before a context manifest is applied, nor after a reload manifest only', () => {
  assert.deepEqual(serverEntries({}, [STAGING, PROD]), []);
  const state = afterApply({}, STAGING, { languageId: 'reload-manifest', name: 'sentiment-2-1', digest: MODELS, serial: 42 });
  assert.deepEqual(state, { staging: { url: STAGING.url, serials: [{ serial: 42 }] } });
  assert.deepEqual(serverEntries(state, [STAGING, PROD]), []);
});

test('a context manifest applied to a target lists it: label with the manifest name, the /mcp URI, the digest as version', () => {
  const state = afterApply({}, STAGING, context('support-bot', V1, 7));
  assert.deepEqual(serverEntries(state, [STAGING, PROD]), [{ target: 'staging', label: 'Tracing Reload: staging (support-bot)', uri: 'http://127.0.0.1:7070/mcp', version: V1 }]);
  // The next context manifest replaces the definition's label and version.
  const next = afterApply(state, STAGING, context('support-bot-v2', V2, 8));
  assert.deepEqual(serverEntries(next, [STAGING]), [{ target: 'staging', label: 'Tracing Reload: staging (support-bot-v2)', uri: 'http://127.0.0.1:7070/mcp', version: V2 }]);
  // Each configured target with a context, in the configured order; a base URL's trailing slash is not doubled.
  const both = afterApply(next, PROD, context('support-bot', V1, 3));
  assert.deepEqual(
    serverEntries(both, [PROD, STAGING]).map((e) => [e.label, e.uri, e.version]),
    [
      ['Tracing Reload: prod (support-bot)', 'https://reload.example.com/agent/mcp', V1],
      ['Tracing Reload: staging (support-bot-v2)', 'http://127.0.0.1:7070/mcp', V2],
    ],
  );
});

test('a reload manifest applied after a context manifest keeps the context (generations are incremental)', () => {
  let state = afterApply({}, STAGING, context('support-bot', V1, 7));
  state = afterApply(state, STAGING, { languageId: 'reload-manifest', name: 'sentiment-2-1', digest: MODELS, serial: 42 });
  assert.deepEqual(state.staging.serials, [
    { serial: 7, context: { name: 'support-bot', digest: V1 } },
    { serial: 42, context: { name: 'support-bot', digest: V1 } },
  ]);
  assert.deepEqual(serverEntries(state, [STAGING]).map((e) => [e.label, e.version]), [['Tracing Reload: staging (support-bot)', V1]]);
});

test('a rollback lists the context of the serial it brought back, or nothing when none was applied at or before it', () => {
  let state = afterApply({}, STAGING, context('support-bot', V1, 7));
  state = afterApply(state, STAGING, context('support-bot-v2', V2, 8));
  // Back to serial 7, now served as 9: v1 again.
  state = afterRollback(state, STAGING, 7, 9);
  assert.deepEqual(serverEntries(state, [STAGING]).map((e) => [e.label, e.version]), [['Tracing Reload: staging (support-bot)', V1]]);
  // Back to serial 8 (v2), as 10; then to serial 9 (which served 7's context), as 11.
  state = afterRollback(state, STAGING, 8, 10);
  assert.deepEqual(serverEntries(state, [STAGING]).map((e) => e.version), [V2]);
  state = afterRollback(state, STAGING, 9, 11);
  assert.deepEqual(serverEntries(state, [STAGING]).map((e) => e.version), [V1]);
  // Back to serial 0 (nothing applied yet): the definition goes.
  state = afterRollback(state, STAGING, 0, 12);
  assert.deepEqual(serverEntries(state, [STAGING]), []);
  assert.deepEqual(state.staging.serials.at(-1), { serial: 12 });
  // A serial unknown here between known ones: the newest context at or before it.
  assert.deepEqual(contextAt(state.staging.serials, 8), { name: 'support-bot-v2', digest: V2 });
  assert.equal(contextAt(state.staging.serials, 6), undefined);
});

test('a target is listed only while it is configured with the URL its context was applied to', () => {
  const state = afterApply({}, STAGING, context('support-bot', V1, 7));
  assert.deepEqual(serverEntries(state, []), []);
  assert.deepEqual(serverEntries(state, [{ name: 'staging', url: 'http://127.0.0.1:7071' }]), []);
  assert.equal(serverEntries(state, [{ name: 'staging', url: 'http://127.0.0.1:7070/' }]).length, 1);
  // An apply to the same name at another URL starts over: the other agent's serials do not count.
  const moved = afterApply(state, { name: 'staging', url: 'http://127.0.0.1:7071' }, { languageId: 'reload-manifest', name: 'sentiment-2-1', digest: MODELS, serial: 42 });
  assert.deepEqual(moved.staging, { url: 'http://127.0.0.1:7071', serials: [{ serial: 42 }] });
});

test('an agent whose serials went back (its state was reset) drops the records at or above the new serial; at most MAX_RECORDS are kept', () => {
  let state = afterApply({}, STAGING, context('support-bot', V1, 7));
  state = afterApply(state, STAGING, context('support-bot-v2', V2, 8));
  state = afterApply(state, STAGING, { languageId: 'reload-manifest', name: 'sentiment-2-1', digest: MODELS, serial: 8 });
  assert.deepEqual(state.staging.serials, [
    { serial: 7, context: { name: 'support-bot', digest: V1 } },
    { serial: 8, context: { name: 'support-bot', digest: V1 } },
  ]);
  for (let serial = 10; serial < 10 + MAX_RECORDS + 5; serial++) state = afterApply(state, STAGING, context(`m${serial}`, V1, serial));
  assert.equal(state.staging.serials.length, MAX_RECORDS);
  assert.equal(state.staging.serials[0].serial, 15);
});

test('workspace state is read back defensively', () => {
  const state: McpContextState = afterApply({}, STAGING, context('support-bot', V1, 7));
  assert.deepEqual(parseState(JSON.parse(JSON.stringify(state))), state);
  assert.deepEqual(parseState(undefined), {});
  assert.deepEqual(parseState('x'), {});
  assert.deepEqual(
    parseState({ staging: { url: STAGING.url, serials: [{ serial: 1.5 }, { serial: 2, context: { name: 3 } }, null] }, prod: { serials: [] }, other: null }),
    { staging: { url: STAGING.url, serials: [{ serial: 2 }] } },
  );
});

test('the MCP endpoint is /mcp under the base URL', () => {
  assert.equal(mcpUri('http://127.0.0.1:7070'), 'http://127.0.0.1:7070/mcp');
  assert.equal(mcpUri('http://host/base//'), 'http://host/base/mcp');
});

test('VS Code\'s MCP API is used only where it exists (1.101+): 1.95 has lm without it, and nothing is registered there', () => {
  // What VS Code 1.95's module has: lm with chat models and tools, no MCP.
  assert.equal(mcpApi({ lm: { selectChatModels: () => [], registerTool: () => undefined } }), undefined);
  assert.equal(mcpApi({}), undefined);
  assert.equal(mcpApi({ lm: { registerMcpServerDefinitionProvider: () => undefined } }), undefined, 'no McpHttpServerDefinition class');
  class McpHttpServerDefinition {
    constructor(
      readonly label: string,
      public uri: unknown,
      public headers: Record<string, string> = {},
      public version?: string,
    ) {}
  }
  const registered: unknown[][] = [];
  const lm = {
    registerMcpServerDefinitionProvider(this: unknown, id: string, provider: unknown) {
      registered.push([this === lm, id, provider]);
      return { dispose: () => undefined };
    },
  };
  const api = mcpApi({ lm, McpHttpServerDefinition });
  assert.ok(api);
  const provider = { provideMcpServerDefinitions: () => [] };
  api.registerMcpServerDefinitionProvider('tracingReload.targets', provider);
  assert.deepEqual(registered, [[true, 'tracingReload.targets', provider]]);
  assert.equal(api.McpHttpServerDefinition, McpHttpServerDefinition);
});
