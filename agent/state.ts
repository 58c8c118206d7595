/**
 * The agent's durable state in `--state-dir` (DESIGN.md §6.2):
 *
 *   state.json               serial, active and previous stable generation, history, idempotency keys
 *   generations/<serial>.json the generation each serial made active (models by digest)
 *   applies/<id>.json         each ended apply's full status, with its spans
 *   blobs/sha256/<hex>        artifacts by digest (blobs.ts)
 *
 * Every file is replaced durably (durable.ts), and the order of writes is what makes a `kill -9`
 * harmless: a generation's snapshot and its apply record are written before the state that names
 * them, so state.json always points at files that exist, and one rename decides whether an apply
 * happened. An apply still `Pending` in state.json when the agent starts was cut short by a crash;
 * it is recorded as `Interrupted` and the generation serving is the one state.json names.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ApplyStatus, HistoryEntry } from '../core/target/api';
import { PlantedFileError, readStateFile, removeLeftovers, stateFolder, writeDurably } from './durable';
import { faultPoint } from './faults';
import type { GenerationSnapshot } from './snapshot';

export interface IdempotencyRecord {
  key: string;
  /** The route the key was used on (`applies`, `rollbacks`). */
  route: string;
  /** sha256 of the request body: the same key with another payload is refused. */
  payload: string;
  /** The apply (or rollback) it started. */
  id: string;
  /** Epoch ms; keys are kept for KEY_RETENTION_MS. */
  at: number;
}

export interface DurableState {
  format: 1;
  /** The highest serial made active (rollbacks take the next one). */
  serial: number;
  /** The active generation's number. */
  generation: number;
  /** The serial whose generation is active (0: the empty start). */
  active: number;
  /** The serial a `previousStable` rollback brings back. */
  stable?: number;
  history: HistoryEntry[];
  keys: IdempotencyRecord[];
}

/** History rows kept (oldest dropped first); each is a few hundred bytes. */
export const MAX_HISTORY = 10_000;
export const MAX_KEYS = 10_000;
export const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

const EMPTY: DurableState = { format: 1, serial: 0, generation: 0, active: 0, history: [], keys: [] };

export class StateError extends Error {}

function planted(error: unknown): never {
  throw error instanceof PlantedFileError ? new StateError(`${error.message}.`) : error;
}

/** Why a state file cannot be read, never quoting it (JSON.parse's message quotes the text it failed on). */
function reasonOf(error: unknown): string {
  if (error instanceof SyntaxError) return 'not valid JSON';
  if (error instanceof PlantedFileError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export class StateStore {
  private current: DurableState = structuredClone(EMPTY);
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  get state(): Readonly<DurableState> {
    return this.current;
  }

  /** Reads the state (a fresh folder starts empty); applies cut short by a crash become `Interrupted`. Returns how many. */
  async open(now: () => Date): Promise<number> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await removeLeftovers(this.dir);
    for (const sub of ['generations', 'applies']) {
      await stateFolder(join(this.dir, sub)).catch(planted);
      await removeLeftovers(join(this.dir, sub));
    }
    const path = join(this.dir, 'state.json');
    const text = await readStateFile(path).catch(planted);
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as DurableState;
        if (parsed.format !== 1 || !Array.isArray(parsed.history) || !Array.isArray(parsed.keys)) throw new Error('unknown format');
        this.current = parsed;
      } catch (error) {
        throw new StateError(`${path} is not the agent's state (${reasonOf(error)}): restore it from a backup, or start with an empty --state-dir.`);
      }
    }
    const interrupted = this.current.history.filter((entry) => entry.outcome === 'Pending');
    // An apply's record may have been written just before the crash: it was never committed, so it is not its outcome.
    for (const entry of interrupted) await fs.rm(this.applyPath(entry.id), { force: true });
    if (interrupted.length > 0) {
      await this.commit((state) => {
        for (const entry of state.history) {
          if (entry.outcome === 'Pending') {
            entry.outcome = 'Interrupted';
            entry.endedAt = now().toISOString();
          }
        }
      });
    }
    return interrupted.length;
  }

  /** Changes the state and writes it durably; commits run one at a time, in call order. */
  commit(change: (state: DurableState) => void): Promise<void> {
    const next = this.writing.then(async () => {
      const draft = structuredClone(this.current);
      change(draft);
      if (draft.history.length > MAX_HISTORY) draft.history.splice(0, draft.history.length - MAX_HISTORY);
      if (draft.keys.length > MAX_KEYS) draft.keys.splice(0, draft.keys.length - MAX_KEYS);
      await writeDurably(join(this.dir, 'state.json'), JSON.stringify(draft), () => this.current.history.some((h) => h.outcome === 'Pending') && faultPoint('state-before-rename'));
      this.current = draft;
    });
    // A failed write fails its caller; the next commit starts from the state last written.
    this.writing = next.catch(() => undefined);
    return next;
  }

  async writeSnapshot(snapshot: GenerationSnapshot): Promise<void> {
    await writeDurably(this.snapshotPath(snapshot.serial), JSON.stringify(snapshot));
  }

  async readSnapshot(serial: number): Promise<GenerationSnapshot | undefined> {
    try {
      const text = await readStateFile(this.snapshotPath(serial));
      return text === undefined ? undefined : (JSON.parse(text) as GenerationSnapshot);
    } catch (error) {
      throw new StateError(`${this.snapshotPath(serial)} cannot be read (${reasonOf(error)}).`);
    }
  }

  async writeApply(status: ApplyStatus): Promise<void> {
    await writeDurably(this.applyPath(status.id), JSON.stringify(status));
  }

  async readApply(id: string): Promise<ApplyStatus | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    let text: string | undefined;
    try {
      text = await readStateFile(this.applyPath(id));
    } catch (error) {
      // A planted link is never followed: the apply reads as unknown.
      if (error instanceof PlantedFileError) return undefined;
      throw error;
    }
    return text === undefined ? undefined : (JSON.parse(text) as ApplyStatus);
  }

  private snapshotPath(serial: number): string {
    return join(this.dir, 'generations', `${serial}.json`);
  }

  private applyPath(id: string): string {
    return join(this.dir, 'applies', `${id}.json`);
  }
}
