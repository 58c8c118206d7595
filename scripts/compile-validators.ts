/**
 * Compiles the schema validators ahead of time into core/generated/validators.js (ajv standalone
 * code), so no process pays ajv's compile time on its first validation. Run by `npm run build`;
 * core/compiledSchemas.ts ignores the file when the schemas changed since it was written.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { appendErrorsInPlace, createAjv, registerSchemas, schemasDigest, validatorRefs } from '../core/compiledSchemas';

const ajv = createAjv({ code: { source: true } });
registerSchemas(ajv);
const code = appendErrorsInPlace(standaloneCode(ajv, validatorRefs()));
const out = join(__dirname, '..', 'core', 'generated');
mkdirSync(out, { recursive: true });
// Replaced by a rename: a test process that loads the validators while `npm run package` rebuilds
// them (the packaging test) reads the old file or the new one, never half of one.
const temporary = join(out, `validators.js.${process.pid}.tmp`);
writeFileSync(temporary, `${code}\nexports.schemasDigest = ${JSON.stringify(schemasDigest())};\n`);
renameSync(temporary, join(out, 'validators.js'));
