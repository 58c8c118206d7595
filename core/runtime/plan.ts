/**
 * The plan of a reload: which artifacts are staged, and in which waves the changes load. Changes
 * in one wave load concurrently; a wave starts when the previous one is done. Models come first
 * (adapters check their shapes against the base model), then everything else, then session
 * operations one at a time, in manifest order (each applies to the result of the previous one).
 */
import type { ManifestChange, ManifestModel } from '../model/types';

export interface ReloadPlan {
  /** Changes whose artifact is staged (hashed and checked) before anything loads. */
  staged: ManifestChange[];
  /** Load waves, in order. */
  waves: ManifestChange[][];
}

export function planReload(model: ManifestModel): ReloadPlan {
  const models = model.changes.filter((c) => c.kind === 'Model');
  const others = model.changes.filter((c) => c.kind !== 'Model' && c.kind !== 'Session');
  const sessions = model.changes.filter((c) => c.kind === 'Session');
  const waves = [models, others, ...sessions.map((s) => [s])].filter((wave) => wave.length > 0);
  return { staged: model.changes.filter((c) => c.artifact !== undefined), waves };
}
