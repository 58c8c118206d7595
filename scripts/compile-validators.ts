/**
 * Compiles the schema validators ahead of time into core/generated/validators.js (ajv standalone
 * code), so no process pays ajv's compile time on its first validation. Run by `npm run build`;
 * core/compiledSchemas.ts ignores the file when the schemas changed since it was written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { appendErrorsInPlace, createAjv, registerSchemas, schemasDigest, validatorRefs } from '../core/compiledSchemas';

const ajv = createAjv({ code: { source: true } });
registerSchemas(ajv);
const code = appendErrorsInPlace(standaloneCode(ajv, validatorRefs()));
const out = join(__dirname, '..', 'core', 'generated');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'validators.js'), `${code}\nexports.schemasDigest = ${JSON.stringify(schemasDigest())};\n`);
