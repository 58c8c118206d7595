/** Checks on session operations: loads and JSON Patch updates replayed in order, as a target would. */
import { finding, type Finding } from '../diagnostics';
import { applyPatch, measure, patchBudget, type PatchOperation } from '../jsonPatch';
import type { ManifestChange } from '../model/types';
import { asArray, asObject, own } from '../jsonc/read';

const PATCH_OPS = new Set<unknown>(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** The operations of an update when every one is well formed (the schema reports the others). */
function wellFormedOperations(patch: unknown[]): PatchOperation[] | undefined {
  const operations: PatchOperation[] = [];
  for (const op of patch) {
    const o = asObject(op);
    if (!o || !PATCH_OPS.has(own(o, 'op')) || typeof own(o, 'path') !== 'string') return undefined;
    operations.push(o as unknown as PatchOperation);
  }
  return operations;
}

/**
 * Replays loads and updates in order, so a patch or revision that cannot apply is caught here.
 * The replay shares one budget proportional to the sessions' own size: a few KB of patches can
 * never make validation copy more than a bounded multiple of them.
 */
export function checkSessions(sessions: readonly ManifestChange[]): Finding[] {
  const findings: Finding[] = [];
  if (sessions.length === 0) return findings;
  const budget = patchBudget(measure(sessions.map((s) => s.spec)));
  const state = new Map<string, { context: unknown; revision: number }>();
  for (const session of sessions) {
    const { pointer, spec, id } = session;
    if (id === '') continue;
    if (own(spec, 'op') === 'load') {
      state.set(id, { context: own(spec, 'context'), revision: 1 });
      continue;
    }
    if (own(spec, 'op') !== 'update') continue;
    const current = state.get(id);
    const ifRevision = own(spec, 'ifRevision');
    if (current && typeof ifRevision === 'number' && ifRevision !== current.revision) {
      findings.push(
        finding('revision-conflict', `${pointer}/ifRevision`, 'value', `Session "${id}" is at revision ${current.revision} here, not ${ifRevision}: this update would be refused. Use ${current.revision}.`),
      );
    }
    const operations = wellFormedOperations(asArray(own(spec, 'patch')));
    if (!operations) continue;
    const structural = operations.findIndex((op) => op.path.endsWith('/-') && op.op !== 'add');
    if (structural >= 0) {
      findings.push(finding('invalid-patch', `${pointer}/patch/${structural}/path`, 'value', `"-" (past the end of an array) only works with "add": point at an existing index.`));
      continue;
    }
    if (!current) continue; // loaded elsewhere: only the target can check the paths
    const result = applyPatch(current.context, operations, budget);
    if (result.ok) {
      state.set(id, { context: result.value, revision: current.revision + 1 });
    } else {
      findings.push(finding('invalid-patch', `${pointer}/patch/${result.index}/${result.field}`, 'value', `This patch cannot apply to session "${id}": ${result.message}`));
      // Later updates of this session would replay on a state the target never reaches.
      state.delete(id);
    }
  }
  return findings;
}
