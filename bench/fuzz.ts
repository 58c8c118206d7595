/**
 * Longer fuzzing run than the test: `npm run fuzz -- [count] [seed]` (defaults 200000 and the time):
 * `count` mutated manifests, then `count / 10` random traces (each runs every converter), then
 * `count / 10` random JSON Patches (copies of the root into itself, deep moves, nasty keys).
 * Prints failures with their seed and index so they reproduce.
 */
import { fuzz, type FuzzFailure } from '../test/support/fuzz';
import { fuzzPatches } from '../test/support/patchFuzz';
import { fuzzTraces } from '../test/support/traceFuzz';

const count = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);

function report(what: string, cases: number, run: () => { failures: FuzzFailure[]; slowestMs: number }): number {
  const started = performance.now();
  const { failures, slowestMs } = run();
  const seconds = (performance.now() - started) / 1000;
  console.log(`fuzz ${what}: ${cases} cases, seed ${seed}, ${seconds.toFixed(1)} s, slowest case ${slowestMs.toFixed(1)} ms, ${failures.length} failures`);
  for (const failure of failures.slice(0, 10)) console.log(`  #${failure.index}: ${failure.reason}\n    ${JSON.stringify(failure.text.slice(0, 400))}`);
  return failures.length;
}

const traceCases = Math.ceil(count / 10);
const failed =
  report('manifests', count, () => fuzz(seed, count)) + report('traces', traceCases, () => fuzzTraces(seed, traceCases)) + report('patches', traceCases, () => fuzzPatches(seed, traceCases));
process.exitCode = failed > 0 ? 1 : 0;
