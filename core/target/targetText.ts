/**
 * A target's state as short text for lists (the Reload Targets view, rollback's quick pick): the
 * active generation, what it serves per kind, and one history row.
 */
import type { HistoryEntry, TargetStatus } from './api';

/** `serial 42 · generation 1`. */
export function generationText(status: Pick<TargetStatus, 'serial' | 'generation'>): string {
  return `serial ${status.serial} · generation ${status.generation}`;
}

export interface ActiveRow {
  /** The kind, plural: `models`, `configs`, … */
  label: string;
  /** What is active of it, e.g. `sentiment 2.1.0`. */
  description: string;
}

const names = (record: Record<string, unknown>): string[] => Object.keys(record).sort();

/** One row per kind the target serves something of (models with their versions); none when nothing is active. */
export function activeRows(status: TargetStatus): ActiveRow[] {
  const { active } = status;
  const rows: ActiveRow[] = [];
  const add = (label: string, items: string[]): void => {
    if (items.length > 0) rows.push({ label, description: items.join(', ') });
  };
  add('models', names(active.models).map((id) => `${id} ${active.models[id].version}`));
  add('configs', names(active.configs));
  add('flags', names(active.flags));
  add('prompts', names(active.prompts).map((name) => (active.prompts[name].version ? `${name} ${active.prompts[name].version}` : name)));
  add('resources', names(active.resources).map((uri) => active.resources[uri].name || uri));
  add('adapters', names(active.adapters).map((name) => (active.adapters[name].version ? `${name} ${active.adapters[name].version}` : name)));
  add('knowledge', names(active.knowledge).map((index) => `${index} (${active.knowledge[index].length} shard${active.knowledge[index].length === 1 ? '' : 's'})`));
  return rows;
}

/** `2026-12-02 05:27:15Z`: a timestamp without its milliseconds, in UTC as the agent gives it. */
export function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]}Z` : iso;
}

export interface HistoryRow {
  /** `serial 42` (a row without a serial: `no serial`). */
  label: string;
  /** `Succeeded · sentiment-2-1` or, for rollbacks, `Succeeded · rollback to serial 0`. */
  description: string;
  /** When it started, and for how long it ran. */
  detail: string;
}

export function historyRow(entry: HistoryEntry): HistoryRow {
  const ms = entry.endedAt ? Date.parse(entry.endedAt) - Date.parse(entry.startedAt) : undefined;
  return {
    label: entry.serial === null ? 'no serial' : `serial ${entry.serial}`,
    description: `${entry.outcome} · ${entry.name}`,
    detail: `${entry.kind} · ${shortTime(entry.startedAt)}${ms !== undefined && Number.isFinite(ms) ? ` · ${ms} ms` : ''}${entry.initiator ? ` · by ${entry.initiator}` : ''}`,
  };
}

/** History newest first (the agent lists it oldest first). */
export function newestFirst(history: readonly HistoryEntry[]): HistoryEntry[] {
  return [...history].reverse();
}
