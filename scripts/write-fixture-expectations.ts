/**
 * Writes `<fixture>.expected.json` beside each invalid fixture from the current diagnostics.
 * Run it after a deliberate change to diagnostics, then read the diff before committing it.
 * Run: node --import tsx scripts/write-fixture-expectations.ts
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnosticsOf, essentials, INVALID } from '../test/support/fixtures';

async function main(): Promise<void> {
  for (const name of readdirSync(INVALID).filter((n) => /\.(reload|mcp-context)\.json$/.test(n))) {
    const diagnostics = (await diagnosticsOf(join(INVALID, name))).map(essentials);
    writeFileSync(join(INVALID, name.replace(/\.json$/, '.expected.json')), `${JSON.stringify(diagnostics, null, 2)}\n`);
  }
}

void main();
