/**
 * Longer fuzzing run than the test: `npm run fuzz -- [count] [seed]` (defaults 200000 and the time).
 * Prints failures with their seed and index so they reproduce.
 */
import { fuzz } from '../test/support/fuzz';

const count = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const started = performance.now();
const { failures, slowestMs } = fuzz(seed, count);
const seconds = (performance.now() - started) / 1000;
console.log(`fuzz: ${count} cases, seed ${seed}, ${seconds.toFixed(1)} s, slowest case ${slowestMs.toFixed(1)} ms, ${failures.length} failures`);
for (const failure of failures.slice(0, 10)) console.log(`  #${failure.index}: ${failure.reason}\n    ${JSON.stringify(failure.text.slice(0, 400))}`);
process.exitCode = failures.length > 0 ? 1 : 0;
