/**
 * Where a value of a migrated document came from in the source: the steps' `moved` maps (old
 * pointer → new pointer) read backwards, so a problem in the output can be shown on the field the
 * user wrote.
 */
import { parentPointer, valueAt } from '../jsonc/pointer';

/** One step of a migration: the document it read, and where it moved that document's values. */
export interface StepTrail {
  source: unknown;
  moved: ReadonlyMap<string, string>;
}

/**
 * The pointer in the first step's source that `pointer` (in the last step's output) came from, or
 * undefined when no moved field contains it (the migration made it up, like `kind`).
 */
export function originOf(trail: readonly StepTrail[]): (pointer: string) => string | undefined {
  // Several old fields can land in one new place (legacy values kept as annotations): the first names it.
  const inverses = trail.map(({ source, moved }) => {
    const inverse = new Map<string, string>();
    for (const [from, to] of moved) if (!inverse.has(to)) inverse.set(to, from);
    return { source, inverse };
  });
  return (pointer) => {
    let at = pointer;
    for (let index = inverses.length - 1; index >= 0; index--) {
      const { source, inverse } = inverses[index];
      let prefix = at;
      while (!inverse.has(prefix) && prefix !== '') prefix = parentPointer(prefix);
      const from = inverse.get(prefix);
      if (from === undefined) return undefined;
      // A value copied as it was keeps its inner path (a session's context); a reshaped one does not.
      const inner = `${from}${at.slice(prefix.length)}`;
      at = valueAt(source, inner) !== undefined ? inner : from;
    }
    return at;
  };
}
