/**
 * The agent's durable state in `--state-dir` (DESIGN.md §6.2):
 *
 *   state.json               serial, active and previous stable generation, recent history, idempotency keys
 *   history.jsonl             older history rows, appended (compacted past 2 × MAX_HISTORY)
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
import { constants, promises as fs } from 'node:fs';
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

/** History rows kept (oldest dropped first, with their apply records); each is a few hundred bytes. */
export const MAX_HISTORY = 10_000;
/**
 * History rows kept in state.json; older ones move to history.jsonl (append-only). Every commit
 * rewrites state.json, so its size is what an apply's commits cost: bounded, not growing with the
 * agent's age.
 */
export const RECENT_HISTORY = 200;
/** Idempotency keys kept (besides KEY_RETENTION_MS): they are in state.json too. */
export const MAX_KEYS = 1_000;
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
  /** Lines in history.jsonl (the archive is compacted when it holds twice MAX_HISTORY). */
  private archived = 0;

  constructor(
    readonly dir: string,
    /** Tests make these small to reach them quickly. */
    private readonly limits: { recent: number; max: number } = { recent: RECENT_HISTORY, max: MAX_HISTORY },
  ) {}

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
    this.archived = (await this.readArchive()).length;
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
      // Older rows go to the archive first: a crash before state.json is replaced leaves them in both (read once).
      if (draft.history.length > this.limits.recent) await this.archive(draft.history.splice(0, draft.history.length - this.limits.recent));
      if (draft.keys.length > MAX_KEYS) draft.keys.splice(0, draft.keys.length - MAX_KEYS);
      await writeDurably(join(this.dir, 'state.json'), JSON.stringify(draft), () => this.current.history.some((h) => h.outcome === 'Pending') && faultPoint('state-before-rename'));
      this.current = draft;
    });
    // A failed write fails its caller; the next commit starts from the state last written.
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** The whole history, oldest first: the archive's rows, then state.json's (the latter win for an id in both). */
  async history(): Promise<HistoryEntry[]> {
    const recent = new Set(this.current.history.map((h) => h.id));
    const archived = (await this.readArchive()).filter((h) => !recent.has(h.id));
    const seen = new Set<string>();
    const unique = archived.filter((h) => !seen.has(h.id) && seen.add(h.id));
    return [...unique, ...this.current.history].slice(-this.limits.max);
  }

  private archivePath(): string {
    return join(this.dir, 'history.jsonl');
  }

  private async readArchive(): Promise<HistoryEntry[]> {
    const text = await readStateFile(this.archivePath()).catch(planted);
    if (text === undefined) return [];
    const rows: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        rows.push(JSON.parse(line) as HistoryEntry);
      } catch {
        // A line cut short by a crash during an append: its rows are still in state.json.
      }
    }
    return rows;
  }

  /** Appends rows to history.jsonl durably; compacts it (dropping the oldest rows and their apply records) past twice MAX_HISTORY. */
  private async archive(rows: HistoryEntry[]): Promise<void> {
    const handle = await fs.open(this.archivePath(), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.archived += rows.length;
    if (this.archived <= 2 * this.limits.max) return;
    const all = await this.readArchive();
    const keep = all.slice(-this.limits.max);
    await writeDurably(this.archivePath(), keep.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.archived = keep.length;
    const kept = new Set(keep.map((r) => r.id));
    for (const dropped of all) if (!kept.has(dropped.id)) await fs.rm(this.applyPath(dropped.id), { force: true });
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
