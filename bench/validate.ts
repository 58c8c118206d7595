/**
 * `npm run bench:validate`: full validation (parse + schema + semantic + ranges) of generated
 * manifests of 100, 1,000 and 10,000 changes, beside vscode-json-languageservice's parse +
 * doValidation with the same schema and JSON.parse alone (the floor). Prints medians and ratios.
 * Goal at 10,000 changes: ≥ 5× faster than vscode-json-languageservice, within 4× of JSON.parse.
 * Then the error-heavy shapes (test/support/errorShapes.ts: ~1 MB, 20,000 problems each), beside
 * the peer where it checks the same thing (schema problems). Goal: about a second each.
 */
import { getLanguageService } from 'vscode-json-languageservice';
import { TextDocument } from 'vscode-languageserver-textdocument';
import reloadV2Schema from '../schemas/reload-v2.schema.json';
import { validateManifest } from '../core/validate';
import { errorShapes } from '../test/support/errorShapes';
import { generateReloadManifest } from './generate';
import { median, ms, timeRuns } from './stats';

async function main(): Promise<void> {
  const service = getLanguageService({});
  service.configure({
    validate: true,
    allowComments: true,
    schemas: [{ uri: reloadV2Schema.$id, fileMatch: ['*.reload.json'], schema: reloadV2Schema as never }],
  });
  console.log('bench/validate — median of repeated runs; ratios are peer / ours and ours / JSON.parse');
  console.log('changes  size      JSON.parse   ours (full)  vscode-json-ls  vs peer   vs JSON.parse');
  for (const count of [100, 1_000, 10_000]) {
    const text = generateReloadManifest(count);
    const runs = count >= 10_000 ? 30 : 60;
    const document = TextDocument.create('file:///bench.reload.json', 'json', 1, text);
    const ours = validateManifest(text, { languageId: 'reload-manifest' });
    if (ours.diagnostics.length > 0) throw new Error(`generated manifest is not valid: ${ours.diagnostics[0].message}`);
    // The three are interleaved, so that drift in machine load hits them alike.
    const floorRuns: number[] = [];
    const fullRuns: number[] = [];
    const peerRuns: number[] = [];
    const peerRun = async (): Promise<void> => {
      const json = service.parseJSONDocument(document);
      await service.doValidation(document, json, { comments: 'ignore', trailingCommas: 'ignore' });
    };
    await timeRuns(peerRun, 0, 2);
    await timeRuns(() => validateManifest(text, { languageId: 'reload-manifest' }), 0, 3);
    for (let i = 0; i < runs; i++) {
      floorRuns.push(...(await timeRuns(() => JSON.parse(text), 1, 0)));
      fullRuns.push(...(await timeRuns(() => validateManifest(text, { languageId: 'reload-manifest' }), 1, 0)));
      if (i % 2 === 0) peerRuns.push(...(await timeRuns(peerRun, 1, 0)));
    }
    const floor = median(floorRuns);
    const full = median(fullRuns);
    const peer = median(peerRuns);
    console.log(
      `${String(count).padEnd(8)} ${`${(text.length / 1024 / 1024).toFixed(2)} MB`.padEnd(9)} ${ms(floor).padEnd(12)} ${ms(full).padEnd(12)} ${ms(peer).padEnd(15)} ${`${(peer / full).toFixed(1)}×`.padEnd(9)} ${(full / floor).toFixed(2)}×`,
    );
  }
  // With problems: ranges are found for every diagnostic (one in ten changes has a missing digest).
  const withWarnings = generateReloadManifest(10_000).replace(/,\n\s+"digest": "sha256:[0-9a-f]{60}0[0-9a-f]{3}"/g, '');
  const count = validateManifest(withWarnings, { languageId: 'reload-manifest' }).diagnostics.length;
  const full = median(await timeRuns(() => validateManifest(withWarnings, { languageId: 'reload-manifest' }), 15));
  console.log(`10,000 changes with ${count} diagnostics (ranges located): ${ms(full)}`);
  // JSONC (comments) cannot take the native JSON.parse path: the JSONC parser's cost, shown plainly.
  const jsonc = `// generated\n${generateReloadManifest(10_000)}`;
  const jsoncFull = median(await timeRuns(() => validateManifest(jsonc, { languageId: 'reload-manifest' }), 15));
  console.log(`10,000 changes as JSONC (with a comment, so no native fast path): ${ms(jsoncFull)}`);
  await errorHeavyShapes(service);
}

/** Validation of manifests full of problems: ours (every check) and the peer's schema validation, interleaved. */
async function errorHeavyShapes(service: ReturnType<typeof getLanguageService>): Promise<void> {
  console.log('\nerror-heavy shapes (20,000 problems each) — median of 5; the peer runs the same schema only');
  console.log('shape                                      size     problems  ours        vscode-json-ls  vs peer');
  for (const shape of errorShapes(20_000)) {
    const found = validateManifest(shape.text, { languageId: shape.languageId }).diagnostics.filter((d) => d.code === shape.code).length;
    if (found !== shape.count) throw new Error(`${shape.name}: ${found} ${shape.code}, expected ${shape.count}`);
    const document = TextDocument.create(`file:///bench${shape.languageId === 'mcp-context' ? '.mcp-context' : '.reload'}.json`, 'json', 1, shape.text);
    const schemaApplies = shape.languageId === 'reload-manifest' && shape.code !== 'unresolved-reference';
    const ours: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < 5; i++) {
      ours.push(...(await timeRuns(() => validateManifest(shape.text, { languageId: shape.languageId }), 1, i === 0 ? 1 : 0)));
      if (schemaApplies) peer.push(...(await timeRuns(() => service.doValidation(document, service.parseJSONDocument(document), { comments: 'ignore', trailingCommas: 'ignore' }), 1, 0)));
    }
    const peerText = schemaApplies ? ms(median(peer)) : '(no such check)';
    const ratio = schemaApplies ? `${(median(peer) / median(ours)).toFixed(1)}×` : '';
    console.log(`${shape.name.padEnd(42)} ${`${(shape.text.length / 1e6).toFixed(1)} MB`.padEnd(8)} ${String(shape.count).padEnd(9)} ${ms(median(ours)).padEnd(11)} ${peerText.padEnd(15)} ${ratio}`);
  }
}

void main();
