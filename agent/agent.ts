/**
 * The reload agent's behaviour, apart from HTTP (http.ts): admission of applies, rollbacks and
 * plans with every check of DESIGN.md §6.2, the apply state machine (run by the agent itself: a
 * client that goes away changes nothing), durable state, and what status and history report.
 *
 * Admission is synchronous from the idempotency lookup to marking the apply as running, so two
 * requests can never both pass the "one apply at a time" or the serial check.
 */
import { createHash, randomUUID, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { errorTypeOf, messageOf, ReloadStepError } from '../core/errors';
import type { ManifestModel } from '../core/model/types';
import type { Generation, LoadedModel } from '../core/runtime/generation';
import type { ModelEngine, ModelSession } from '../core/runtime/modelEngine';
import { runReload, type ChangeOutcome, type ReloadOutcome } from '../core/runtime/pipeline';
import { LocalRuntime } from '../core/runtime/runtime';
import type { ApplyEvent, ApplyPhase, ApplyStatus, ChangeAck, HistoryEntry, ManifestSummary, PlannedChange, PlanResult, ProblemKind, RollbackRequest, TargetStatus } from '../core/target/api';
import { fromReadableSpans } from '../core/tracing/model';
import { toOtlpJson } from '../core/tracing/otlp';
import { contextWith, createTraceRecorder } from '../core/tracing/recorder';
import { markFailed } from '../core/tracing/spans';
import { validateManifest } from '../core/validate';
import type { PatchOperation } from '../core/jsonPatch';
import { deserializeSession, serializeSession, updateSession, type SerializedSession, type SessionState } from '../core/runtime/sessions';
import { isBase64, isEnvelope, openEnvelope } from '../node/dsse';
import { nodeArtifactSource } from '../node/fileHost';
import type { HttpFetchLimits } from '../node/httpFetch';
import { BlobStore } from './blobs';
import { nestsDeeperThan } from './json';
import { MAX_DEPTH } from '../core/jsonc/parse';
import type { Logger } from './log';
import type { AgentMetrics } from './metrics';
import { faultPoint } from './faults';
import { restoreGeneration, snapshotOf, type GenerationSnapshot } from './snapshot';
import { KEY_RETENTION_MS, MAX_KEYS, StateStore, type IdempotencyRecord } from './state';

export const SERVICE_NAME = 'reload-agent';

export interface AgentOptions {
  stateDir: string;
  /** Folders artifacts named by path may be read from (`--artifact-root`); relative paths resolve in the first. */
  artifactRoots: readonly string[];
  /** URL prefixes http(s) artifacts may be fetched from (`--allow-url`); none: no fetches. */
  allowUrls: readonly string[];
  /** With keys, only DSSE envelopes signed by one of them are applied (`--trust-key`). */
  trustKeys: readonly KeyObject[];
  engine: ModelEngine;
  log: Logger;
  metrics: AgentMetrics;
  /** Further span exporters (OTLP/HTTP to a collector), shared by every apply. */
  exporter?: SpanExporter;
  http?: Partial<HttpFetchLimits>;
  now?: () => Date;
  /** History rows in state.json and in all (tests make them small). */
  historyLimits?: { recent: number; max: number };
}

/** A refusal: becomes problem JSON with this status. */
export class ProblemError extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export interface Admitted {
  status: ApplyStatus;
  /** The same key and payload came before: this is the first request's apply. */
  replayed: boolean;
}

interface LiveApply {
  status: ApplyStatus;
  /** The generation serving when it began: what notifications compare against. */
  before: Generation;
  listeners: Set<(event: ApplyEvent) => void>;
  done: Promise<void>;
}

const PHASE_OF_STEP: Record<string, ApplyPhase> = {
  'reload.validate': 'Validating',
  'reload.verify': 'Verifying',
  'reload.stage': 'Staging',
  'reload.load': 'Staging',
  'reload.probe': 'Probing',
  'reload.activate': 'Activating',
};

/** The largest imported session text. */
const MAX_BODY_CHARS = 8 * 1024 * 1024;
/** Seconds a refused concurrent apply is told to wait (Retry-After). */
const RETRY_AFTER_SECONDS = 2;
/** Ended applies kept in memory for status and events (the rest are read from applies/<id>.json). */
const LIVE_KEPT = 64;
/** Plans are answered again for a replayed key from memory only: they change nothing. */
const PLANS_KEPT = 64;

export class ReloadAgent {
  readonly runtime: LocalRuntime;
  readonly store: StateStore;
  readonly blobs: BlobStore;
  private readonly live = new Map<string, LiveApply>();
  private readonly plans = new Map<string, { payload: string; result: Promise<PlanResult> }>();
  /** Idempotency keys by route and key, including those of applies not yet committed. */
  private readonly keys = new Map<string, IdempotencyRecord>();
  private running: LiveApply | undefined;
  /** Called once an apply, rollback or session update has changed the active generation (MCP notifications). */
  onGenerationChange: ((before: Generation, after: Generation) => void) | undefined;
  /** Session updates (MCP tools) run one at a time. */
  private sessionWrites: Promise<unknown> = Promise.resolve();
  private readonly loadedBytes = new Map<ModelSession, Uint8Array>();
  private readonly now: () => Date;
  private readonly shutdown = new AbortController();
  private ready = false;

  constructor(private readonly options: AgentOptions) {
    // Models an apply loads keep their bytes until it ends: those of the generation it activates become blobs (a restart loads them from there).
    this.runtime = new LocalRuntime({
      load: async (bytes) => {
        const session = await options.engine.load(bytes);
        this.loadedBytes.set(session, bytes);
        return session;
      },
    });
    this.store = new StateStore(options.stateDir, options.historyLimits);
    this.blobs = new BlobStore(options.stateDir);
    this.now = options.now ?? (() => new Date());
  }

  /** Reads the state folder and serves the generation it names. */
  async start(): Promise<void> {
    const started = performance.now();
    await this.blobs.open();
    const interrupted = await this.store.open(this.now);
    const { state } = this.store;
    for (const record of state.keys) this.keys.set(`${record.route} ${record.key}`, record);
    // Serial 0 has a snapshot only once a session was changed before any apply.
    const snapshot = await this.store.readSnapshot(state.active);
    if (!snapshot && state.active > 0) throw new Error(`${join(this.options.stateDir, 'generations', `${state.active}.json`)} is missing: the state folder is damaged; restore it from a backup.`);
    if (snapshot) this.runtime.restore(await restoreGeneration(snapshot, this.blobs, this.options.engine, state.generation));
    this.updateGauges();
    this.ready = true;
    this.options.log('info', 'state restored', { serial: state.serial, generation: state.generation, interrupted, blobs: this.blobs.count(), ms: Math.round(performance.now() - started) });
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Stops taking applies, lets the running one end (up to `graceMs`, then cancels it), releases the models. */
  async stop(graceMs = 10_000): Promise<void> {
    this.ready = false;
    const running = this.running;
    if (running) {
      const timer = setTimeout(() => this.shutdown.abort(new ReloadStepError('DeadlineExceeded', 'The agent is shutting down.')), graceMs);
      await running.done;
      clearTimeout(timer);
    }
    await this.runtime.dispose();
    await this.options.exporter?.shutdown().catch(() => undefined);
  }

  // ——— applies ———

  /** `POST /reload/v1/applies`. Refusals throw ProblemError; nothing is recorded for them. */
  async admitApply(body: Buffer, key: string, traceparent: string | undefined): Promise<Admitted> {
    const payload = digestOf(body);
    const replay = this.replay('applies', key, payload);
    if (replay) return { status: await this.mustFind(replay.id), replayed: true };
    const { text, signer, payloadDigest } = this.unwrap(body);
    const manifest = this.checkManifest(text, 'apply');
    const { metadata } = manifest;
    // The uid names one manifest: sent again once it is running or has been activated, it is answered with that apply.
    const earlier = [...this.store.state.history].reverse().find((h) => h.kind === 'apply' && h.uid === metadata.uid && (h.outcome === 'Pending' || h.outcome === 'Succeeded'));
    if (earlier) {
      if (earlier.digest === payloadDigest) return { status: await this.mustFind(earlier.id), replayed: true };
      throw new ProblemError('invalid-manifest', 422, `metadata.uid ${metadata.uid} already names another manifest on this target (serial ${earlier.serial}, ${earlier.outcome}): a changed manifest needs a new uid.`, { pointer: '/metadata/uid' });
    }
    if (metadata.serial! <= this.store.state.serial) {
      throw new ProblemError('serial-regression', 409, `The manifest's serial ${metadata.serial} is not above the target's serial ${this.store.state.serial}: give it a serial above ${this.store.state.serial}.`, { serial: this.store.state.serial, pointer: '/metadata/serial' });
    }
    this.requireIdle();
    const status = this.newStatus('apply', { name: metadata.name ?? '', uid: metadata.uid, serial: metadata.serial, digest: payloadDigest, initiator: metadata.initiator, signer }, traceparent);
    const live = this.begin(status, key, 'applies', payload);
    await this.record(status, key, 'applies', payload);
    live.done = this.runApply(live, text, traceparent);
    return { status: structuredClone(status), replayed: false };
  }

  /** `POST /reload/v1/rollbacks`: the generation of an earlier serial becomes active under a new serial. */
  async admitRollback(body: Buffer, key: string, traceparent: string | undefined): Promise<Admitted> {
    const payload = digestOf(body);
    const replay = this.replay('rollbacks', key, payload);
    if (replay) return { status: await this.mustFind(replay.id), replayed: true };
    const request = parseJson(body) as RollbackRequest | undefined;
    const to = request?.to;
    let serial: number | undefined;
    if (to === 'previousStable') {
      serial = this.store.state.stable;
      if (serial === undefined) throw new ProblemError('not-found', 404, 'The target has no previous stable generation to roll back to (nothing was applied before the active one).');
    } else if (typeof to === 'object' && to !== null && Number.isSafeInteger(to.serial) && to.serial >= 0) {
      serial = to.serial;
      if (serial === this.store.state.active) throw new ProblemError('bad-request', 400, `Serial ${serial} is the active one: name an earlier serial (see reloadctl history).`);
      if (serial !== 0 && !(await this.store.readSnapshot(serial))) throw new ProblemError('not-found', 404, `Serial ${serial} never became active on this target: name a serial from its history whose outcome is Succeeded.`);
    } else {
      throw new ProblemError('bad-request', 400, 'The body must be {"to": "previousStable"} or {"to": {"serial": N}}.');
    }
    this.requireIdle();
    const status = this.newStatus('rollback', { name: `rollback to serial ${serial}`, digest: payload }, traceparent);
    const live = this.begin(status, key, 'rollbacks', payload);
    await this.record(status, key, 'rollbacks', payload, serial);
    live.done = this.runRollback(live, serial, traceparent);
    return { status: structuredClone(status), replayed: false };
  }

  /** The apply's status: live, or as recorded when it ended. */
  async applyStatus(id: string): Promise<ApplyStatus | undefined> {
    const live = this.live.get(id);
    if (live) return structuredClone(live.status);
    const stored = await this.store.readApply(id);
    if (stored) return stored;
    // Recorded in the history but never ended here (the agent restarted during it).
    const entry = this.store.state.history.find((h) => h.id === id);
    if (!entry) return undefined;
    return {
      id,
      kind: entry.kind,
      phase: 'Failed',
      manifest: { name: entry.name, uid: entry.uid ?? undefined, serial: entry.serial ?? undefined, digest: entry.digest, initiator: entry.initiator ?? undefined },
      changes: [],
      traceId: entry.traceId,
      startedAt: entry.startedAt,
      endedAt: entry.endedAt ?? undefined,
      error: { step: 'agent', type: 'Interrupted', message: 'The agent stopped while this apply ran; the generation that was serving before it still serves. Apply again with a new Idempotency-Key.' },
    };
  }

  /** Follows an apply: `listener` gets each event; returns undefined when it already ended (or is unknown). */
  subscribe(id: string, listener: (event: ApplyEvent) => void): (() => void) | undefined {
    const live = this.live.get(id);
    if (!live || live.status.endedAt !== undefined) return undefined;
    live.listeners.add(listener);
    return () => live.listeners.delete(listener);
  }

  // ——— plans ———

  /** `POST /reload/v1/plans`: a dry run beside the active generation; changes nothing. */
  async plan(body: Buffer, key: string, traceparent: string | undefined): Promise<PlanResult> {
    const payload = digestOf(body);
    const previous = this.plans.get(key);
    if (previous) {
      if (previous.payload !== payload) throw reuse(key);
      return previous.result;
    }
    const { text, signer, payloadDigest } = this.unwrap(body);
    const manifest = this.checkManifest(text, 'plan');
    const summary: ManifestSummary = { name: manifest.metadata.name ?? '', uid: manifest.metadata.uid, serial: manifest.metadata.serial, digest: payloadDigest, initiator: manifest.metadata.initiator, signer };
    const result = this.runPlan(text, manifest, summary, traceparent);
    this.plans.set(key, { payload, result });
    if (this.plans.size > PLANS_KEPT) this.plans.delete(this.plans.keys().next().value!);
    result.catch(() => this.plans.delete(key));
    return result;
  }

  // ——— session context (MCP tools) ———

  /** A session of the active generation as canonical JSON text with its digest (context_export). */
  exportSession(sessionId: string): SerializedSession | undefined {
    const session = this.runtime.active.sessions.get(sessionId);
    return session && serializeSession(session);
  }

  /**
   * Changes one session (context_update: a JSON Patch under `ifRevision`; context_import: exported
   * text checked against its digest) as a new generation of the same serial, written durably like
   * an apply's. Refused while an apply runs, whose swap would otherwise lose the update.
   */
  updateSession(sessionId: string, change: { kind: 'patch'; patch: unknown[]; ifRevision?: number } | { kind: 'import'; context: string; digest: string; revision?: number }): Promise<{ sessionId: string; revision: number; digest: string; generation: number }> {
    const run = async (): Promise<{ sessionId: string; revision: number; digest: string; generation: number }> => {
      if (this.running) throw new Error(`An apply (${this.running.status.id}) is running on this agent: change the session once it has ended.`);
      const before = this.runtime.active;
      let next: SessionState;
      if (change.kind === 'patch') {
        const current = before.sessions.get(sessionId);
        if (!current) throw new Error(`No session "${sessionId}" in the active generation: load it with a context manifest or context_import first.`);
        next = updateSession(current, change.patch as PatchOperation[], change.ifRevision);
      } else {
        if (change.context.length > MAX_BODY_CHARS) throw new Error(`The context is over ${MAX_BODY_CHARS} characters.`);
        const current = before.sessions.get(sessionId);
        next = deserializeSession({ sessionId, revision: change.revision ?? (current ? current.revision + 1 : 1), digest: change.digest, context: change.context });
      }
      const draft = this.runtime.draft();
      draft.sessions.set(sessionId, next);
      const generation = this.runtime.prepare(draft, { name: before.manifest?.name ?? '', uid: before.manifest?.uid, serial: before.serial });
      this.runtime.activate(generation);
      await this.store.writeSnapshot(snapshotOf(generation));
      await this.store.commit((state) => {
        state.generation = generation.number;
      });
      this.updateGauges();
      this.options.log('info', 'session updated', { session: sessionId, revision: next.revision, generation: generation.number });
      this.notifyGeneration(before, generation);
      return { sessionId, revision: next.revision, digest: next.digest, generation: generation.number };
    };
    const result = this.sessionWrites.then(run, run);
    this.sessionWrites = result.catch(() => undefined);
    return result;
  }

  private notifyGeneration(before: Generation, after: Generation): void {
    try {
      this.onGenerationChange?.(before, after);
    } catch (error) {
      this.options.log('warn', 'a generation listener failed', { error: messageOf(error) });
    }
  }

  // ——— status and history ———

  status(): TargetStatus {
    const active = this.runtime.active;
    const { state } = this.store;
    return {
      serial: state.serial,
      generation: active.number,
      manifest: active.manifest,
      active: {
        models: Object.fromEntries([...active.models].map(([id, m]) => [id, { version: m.version, digest: m.digest }])),
        configs: Object.fromEntries([...active.configs].map(([id, c]) => [id, c.data])),
        flags: Object.fromEntries(active.flags),
        prompts: Object.fromEntries([...active.prompts].map(([name, p]) => [name, { version: p.version }])),
        resources: Object.fromEntries([...active.resources].map(([uri, r]) => [uri, { name: r.name, mimeType: r.mimeType }])),
        adapters: Object.fromEntries([...active.adapters].map(([name, a]) => [name, { baseModel: a.baseModel, digest: a.digest, version: a.version }])),
        knowledge: Object.fromEntries([...active.knowledge].map(([index, shards]) => [index, [...shards.keys()]])),
      },
      previousStable: state.stable,
      running: this.running?.status.id,
      capabilities: ['apply', 'rollback', 'plans', 'blobs', 'events', 'dsse-ed25519', 'oip-v2', 'metrics'],
    };
  }

  history(): Promise<HistoryEntry[]> {
    return this.store.history();
  }

  // ——— internals ———

  private replay(route: string, key: string, payload: string): IdempotencyRecord | undefined {
    const record = this.keys.get(`${route} ${key}`);
    if (!record) return undefined;
    if (this.now().getTime() - record.at > KEY_RETENTION_MS) {
      this.keys.delete(`${route} ${key}`);
      return undefined;
    }
    if (record.payload !== payload) throw reuse(key);
    return record;
  }

  private async mustFind(id: string): Promise<ApplyStatus> {
    const status = await this.applyStatus(id);
    if (!status) throw new ProblemError('not-found', 404, `The apply ${id} this key started is no longer recorded.`);
    return status;
  }

  /** The manifest's text from a body: JSON as is, or a DSSE envelope's payload (checked against the trusted keys). */
  private unwrap(body: Buffer): { text: string; signer?: string; payloadDigest: string } {
    const trusted = this.options.trustKeys;
    const parsed = parseJson(body);
    if (isEnvelope(parsed)) {
      if (trusted.length === 0) {
        // Without trusted keys nothing is verified: the payload is applied as if sent plain.
        if (!isBase64(parsed.payload)) throw new ProblemError('invalid-manifest', 422, 'The envelope\'s payload is not base64: a DSSE envelope carries the manifest base64-encoded (reloadctl apply --key makes one).', { pointer: '/payload' });
        const payload = Buffer.from(parsed.payload, 'base64');
        return { text: payload.toString('utf8'), payloadDigest: digestOf(payload) };
      }
      const opened = openEnvelope(parsed, trusted);
      if (!opened.ok) throw new ProblemError('untrusted-signer', 403, `The manifest's signature is not accepted: ${opened.reason}. Sign it with a key this agent trusts (reloadctl apply --key <ed25519.pem>).`);
      return { text: opened.payload.toString('utf8'), signer: opened.keyid, payloadDigest: digestOf(opened.payload) };
    }
    if (trusted.length > 0) throw new ProblemError('untrusted-signer', 403, 'This agent applies only signed manifests (DSSE envelopes signed with a trusted ed25519 key): sign it with reloadctl apply --key <ed25519.pem>.');
    return { text: body.toString('utf8'), payloadDigest: digestOf(body) };
  }

  /** The editor's checks and what an apply needs (uid, serial, pinned digests, not expired). */
  private checkManifest(text: string, purpose: 'apply' | 'plan'): ManifestModel {
    const result = validateManifest(text, { now: this.now() });
    const errors = result.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'manifest-expired');
    const diagnostics = errors.slice(0, 100).map((d) => ({ severity: d.severity, code: d.code, message: d.message, pointer: d.pointer }));
    if (errors.length > 0) {
      throw new ProblemError('invalid-manifest', 422, `The manifest is not valid: ${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}. Run reloadctl validate on it.`, { diagnostics, pointer: errors[0].pointer });
    }
    if (!result.format || result.format.legacy || !result.model) {
      throw new ProblemError('invalid-manifest', 422, `Legacy ${result.format?.apiVersion ?? 'unversioned'} manifests are never applied: migrate them first (reloadctl migrate --write).`, { pointer: '/apiVersion' });
    }
    const manifest = result.model;
    const { metadata } = manifest;
    if (purpose === 'apply' && metadata.expiresAt !== undefined && !(metadata.expiresAt > this.now().getTime())) {
      throw new ProblemError('manifest-expired', 422, `The manifest expired at ${metadata.expires}: make a new one with a later metadata.expires (and a new serial).`, { pointer: '/metadata/expires' });
    }
    if (purpose === 'plan') return manifest;
    if (metadata.uid === undefined) throw new ProblemError('invalid-manifest', 422, 'metadata.uid is required to apply: add a UUID.', { pointer: '/metadata' });
    if (metadata.serial === undefined || !Number.isSafeInteger(metadata.serial) || metadata.serial < 1) {
      throw new ProblemError('invalid-manifest', 422, 'metadata.serial is required to apply: an integer from 1 to 9007199254740991.', { pointer: '/metadata' });
    }
    const unpinned = manifest.changes.find((c) => c.artifact && c.artifact.digest === undefined);
    if (unpinned) throw new ProblemError('invalid-manifest', 422, `${unpinned.ref} has no pinned digest: pin artifact.digest (sha256) to apply.`, { pointer: `${unpinned.artifact!.pointer}` });
    return manifest;
  }

  private requireIdle(): void {
    if (!this.ready) throw new ProblemError('unavailable', 503, 'The agent is starting or shutting down: try again shortly.', {}, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    if (this.running) {
      throw new ProblemError('apply-in-progress', 409, `Another apply (${this.running.status.id}) is running on this target: one runs at a time. Try again when it has ended.`, { running: this.running.status.id }, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    }
  }

  private newStatus(kind: 'apply' | 'rollback', manifest: ManifestSummary, traceparent: string | undefined): ApplyStatus {
    const parent = parseTraceparent(traceparent);
    return { id: randomUUID(), kind, phase: 'Pending', manifest, changes: [], traceId: parent?.traceId ?? '', startedAt: this.now().toISOString() };
  }

  /** Marks the apply running and its key used; synchronous, so the next request sees both. */
  private begin(status: ApplyStatus, key: string, route: string, payload: string): LiveApply {
    const live: LiveApply = { status, before: this.runtime.active, listeners: new Set(), done: Promise.resolve() };
    this.running = live;
    this.live.set(status.id, live);
    const now = this.now().getTime();
    this.keys.delete(`${route} ${key}`);
    this.keys.set(`${route} ${key}`, { key, route, payload, id: status.id, at: now });
    // The same bound as the durable table: oldest first (insertion order), and none past its retention.
    for (const [name, record] of this.keys) {
      if (this.keys.size <= MAX_KEYS && now - record.at <= KEY_RETENTION_MS) break;
      this.keys.delete(name);
    }
    return live;
  }

  /** The durable record that the apply started: a history row `Pending` and its key. */
  private async record(status: ApplyStatus, key: string, route: string, payload: string, restoredSerial?: number): Promise<void> {
    const entry: HistoryEntry = {
      id: status.id,
      kind: status.kind,
      serial: status.manifest.serial ?? null,
      uid: status.manifest.uid ?? null,
      name: status.manifest.name,
      digest: status.manifest.digest,
      initiator: status.manifest.initiator ?? null,
      outcome: 'Pending',
      startedAt: status.startedAt,
      endedAt: null,
      traceId: status.traceId,
    };
    if (restoredSerial !== undefined) entry.restoredSerial = restoredSerial;
    const cutoff = this.now().getTime() - KEY_RETENTION_MS;
    try {
      await this.store.commit((state) => {
        state.history.push(entry);
        state.keys = state.keys.filter((k) => k.at >= cutoff && !(k.route === route && k.key === key));
        state.keys.push({ key, route, payload, id: status.id, at: this.now().getTime() });
      });
    } catch (error) {
      this.running = undefined;
      this.live.delete(status.id);
      this.keys.delete(`${route} ${key}`);
      throw error;
    }
  }

  private emit(live: LiveApply, event: ApplyEvent): void {
    for (const listener of live.listeners) listener(event);
  }

  private setPhase(live: LiveApply, phase: ApplyPhase, step?: string, ref?: string): void {
    if (live.status.phase === phase) return;
    live.status.phase = phase;
    this.emit(live, { event: 'phase', data: { phase, step, ref } });
  }

  private async runApply(live: LiveApply, text: string, traceparent: string | undefined): Promise<void> {
    const { status } = live;
    const recorder = this.recorder();
    const parent = contextOf(traceparent);
    const before = this.runtime.active;
    let outcome: ReloadOutcome | undefined;
    let failure: unknown;
    try {
      outcome = await runReload({
        text,
        mode: 'apply',
        runtime: this.runtime,
        source: this.source(),
        tracer: recorder.tracer,
        parent,
        signal: this.shutdown.signal,
        onProgress: (event) => {
          if (event.kind === 'step' && event.state === 'start' && PHASE_OF_STEP[event.step]) this.setPhase(live, PHASE_OF_STEP[event.step], event.step, event.ref);
          // Each change's ACK or NACK as it happens; the result repeats them all.
          if (event.kind === 'change') this.emit(live, { event: 'change', data: ackOf(event.outcome) });
        },
      });
    } catch (error) {
      failure = error;
    }
    faultPoint('after-swap');
    const spans = recorder.finishedSpans();
    await recorder.shutdown().catch(() => undefined);
    if (!status.traceId) status.traceId = outcome?.traceId ?? spans[0]?.spanContext().traceId ?? '';
    for (const span of spans) this.options.metrics.applyDuration.observe({ phase: span.name }, (span.duration[0] * 1e9 + span.duration[1]) / 1e9);
    // This manifest's generation serves (not the one an automatic rollback brought back).
    const swapped = this.runtime.active !== before && this.runtime.active.serial === status.manifest.serial;
    const phase: ApplyPhase = outcome ? (outcome.outcome === 'Succeeded' ? 'Succeeded' : outcome.outcome === 'RolledBack' ? 'RolledBack' : 'Failed') : 'Failed';
    status.changes = (outcome?.changes ?? []).map(ackOf);
    if (outcome?.error) status.error = outcome.error;
    else if (failure) status.error = { step: 'agent', type: errorTypeOf(failure), message: messageOf(failure) };
    if (outcome?.outcome === 'RolledBack') this.options.metrics.rollbacks.inc({ trigger: 'automatic' });
    await this.end(live, phase, spans, swapped ? this.runtime.active : undefined, status.manifest.serial);
  }

  private async runRollback(live: LiveApply, serial: number, traceparent: string | undefined): Promise<void> {
    const { status } = live;
    const recorder = this.recorder();
    const root = recorder.tracer.startSpan('reload.rollback', { attributes: { 'reload.serial': this.store.state.serial + 1, 'reload.rollback.to': serial } }, contextOf(traceparent));
    const rootContext = contextWith(root, contextOf(traceparent));
    status.traceId = root.spanContext().traceId;
    let next: Generation | undefined;
    const newSerial = this.store.state.serial + 1;
    try {
      this.setPhase(live, 'Staging', 'reload.load');
      const snapshot = (await this.store.readSnapshot(serial)) ?? emptySnapshot();
      const load = recorder.tracer.startSpan('reload.load', { attributes: { 'reload.serial': serial, 'reload.models': snapshot.models.length } }, rootContext);
      let restored: Generation;
      try {
        restored = await restoreGeneration({ ...snapshot, serial: newSerial }, this.blobs, this.options.engine, this.runtime.nextGenerationNumber());
        load.setStatus({ code: SpanStatusCode.OK });
      } catch (error) {
        markFailed(load, error);
        throw error;
      } finally {
        load.end();
      }
      this.setPhase(live, 'Activating', 'reload.activate');
      const activate = recorder.tracer.startSpan('reload.activate', { attributes: { 'reload.generation': restored.number } }, rootContext);
      const pause = this.runtime.restore(restored);
      activate.setAttribute('reload.swap.pause_ms', pause);
      activate.setStatus({ code: SpanStatusCode.OK });
      activate.end();
      next = restored;
      root.setStatus({ code: SpanStatusCode.OK });
      root.setAttribute('reload.outcome', 'Succeeded');
    } catch (error) {
      markFailed(root, error);
      status.error = { step: 'reload.rollback', type: errorTypeOf(error), message: messageOf(error) };
    } finally {
      root.end();
    }
    const spans = recorder.finishedSpans();
    await recorder.shutdown().catch(() => undefined);
    if (next) this.options.metrics.rollbacks.inc({ trigger: 'request' });
    await this.end(live, next ? 'Succeeded' : 'Failed', spans, next, next ? newSerial : undefined);
  }

  /**
   * Records the end: the new generation's snapshot and the apply's record first, then the state
   * that names them. The live status turns final only once that is written, in the same tick as
   * the agent takes the next apply: a client that reads the end (GET, or an event stream opened
   * meanwhile) can apply again at once, and never reads an end a restart would take back.
   */
  private async end(live: LiveApply, phase: ApplyPhase, spans: ReadableSpan[], activated: Generation | undefined, serial: number | undefined): Promise<void> {
    const status: ApplyStatus = {
      ...live.status,
      phase,
      endedAt: this.now().toISOString(),
      generation: this.runtime.active.number,
      ...(activated && serial !== undefined ? { serial } : {}),
      spans: toOtlpJson(fromReadableSpans(spans, { 'service.name': SERVICE_NAME })),
    };
    try {
      if (activated) await this.keepModelBytes(activated);
      if (activated && serial !== undefined) await this.store.writeSnapshot(snapshotOf(activated));
      faultPoint('after-snapshot');
      await this.store.writeApply(status);
      faultPoint('after-apply-record');
      const previousActive = this.store.state.active;
      await this.store.commit((state) => {
        const entry = state.history.find((h) => h.id === status.id);
        if (entry) {
          entry.outcome = phase === 'Succeeded' ? 'Succeeded' : phase === 'RolledBack' ? 'RolledBack' : 'Failed';
          entry.endedAt = status.endedAt!;
          entry.traceId = status.traceId;
          if (status.kind === 'rollback' && serial !== undefined) entry.serial = serial;
        }
        state.generation = this.runtime.active.number;
        if (activated && serial !== undefined) {
          state.serial = serial;
          state.active = serial;
          state.stable = previousActive;
        }
      });
    } catch (error) {
      // The generation serves but could not be recorded: a restart would bring back the previous one.
      this.options.log('error', 'the apply ended but its state could not be written', { apply: status.id, error: messageOf(error), trace_id: status.traceId });
    }
    this.loadedBytes.clear();
    faultPoint('after-state');
    live.status = status;
    if (this.running === live) this.running = undefined;
    if (this.runtime.active !== live.before) this.notifyGeneration(live.before, this.runtime.active);
    this.options.metrics.applies.inc({ kind: status.kind, outcome: phase });
    this.updateGauges();
    this.options.log(phase === 'Succeeded' ? 'info' : 'warn', `${status.kind} ${phase.toLowerCase()}`, { apply: status.id, serial: status.manifest.serial ?? serial, generation: status.generation, trace_id: status.traceId, span_id: spans.find((s) => s.name === `reload.${status.kind}`)?.spanContext().spanId, error: status.error?.type });
    this.emit(live, { event: 'result', data: structuredClone(status) });
    live.listeners.clear();
    // Ended applies stay in memory for a while; older ones are read from their record.
    const ended = [...this.live.values()].filter((l) => l.status.endedAt !== undefined);
    for (const old of ended.slice(0, Math.max(0, ended.length - LIVE_KEPT))) this.live.delete(old.status.id);
  }

  /** Writes the bytes of the generation's models the agent has no blob of (staged from its roots or a URL). */
  private async keepModelBytes(generation: Generation): Promise<void> {
    for (const model of generation.models.values()) {
      if (this.blobs.has(model.digest)) continue;
      const bytes = this.loadedBytes.get(model.session);
      if (!bytes) throw new Error(`the bytes of model ${model.id} (${model.digest}) were not kept`);
      await this.blobs.put(model.digest, [bytes], bytes.length, bytes.length);
    }
  }

  private async runPlan(text: string, manifest: ManifestModel, summary: ManifestSummary, traceparent: string | undefined): Promise<PlanResult> {
    const active = this.runtime.active;
    const serial = this.store.state.serial;
    let refusal: PlanResult['refusal'];
    if (manifest.metadata.expiresAt !== undefined && !(manifest.metadata.expiresAt > this.now().getTime())) refusal = { kind: 'manifest-expired', detail: `The manifest expired at ${manifest.metadata.expires}.` };
    else if (manifest.metadata.serial === undefined || manifest.metadata.serial <= serial) refusal = { kind: 'serial-regression', detail: `The manifest's serial ${manifest.metadata.serial ?? '(none)'} is not above the target's serial ${serial}.` };
    // A scratch runtime serves the active generation with borrowed sessions: the dry run can swap and roll back without touching what the agent serves.
    const scratch = new LocalRuntime(this.options.engine);
    scratch.restore({ ...active, models: borrowed(active.models) });
    const recorder = this.recorder();
    let outcome: ReloadOutcome;
    try {
      outcome = await runReload({ text, mode: 'dryRun', runtime: scratch, source: this.source(), tracer: recorder.tracer, parent: contextOf(traceparent), signal: this.shutdown.signal });
    } finally {
      await scratch.dispose();
    }
    const spans = recorder.finishedSpans();
    await recorder.shutdown().catch(() => undefined);
    const results = new Map(outcome.changes.map((c) => [c.ref, c]));
    const changes = manifest.changes.map((change): PlannedChange => {
      const result = results.get(change.ref);
      const to = { version: change.version, digest: change.artifact?.digest };
      const from = currentOf(active, change.kind, change.id);
      const action = change.kind === 'Session' ? 'session' : !from ? 'add' : sameAsServed(active, change) || (from.digest !== undefined && from.digest === to.digest && from.version === to.version) ? 'unchanged' : 'update';
      return { ref: change.ref, kind: change.kind, pointer: change.pointer, action, from, to, dryRun: { status: result?.status ?? 'skipped', error: result?.error } };
    });
    return { target: { serial, generation: active.number }, manifest: summary, applicable: refusal === undefined && outcome.outcome === 'Succeeded', refusal, outcome: outcome.outcome, changes, traceId: outcome.traceId, spans: toOtlpJson(fromReadableSpans(spans, { 'service.name': SERVICE_NAME })) };
  }

  /** Where staging reads: blobs by digest first, then the artifact roots, then allowed URLs. */
  private source(): ReturnType<typeof nodeArtifactSource> {
    const roots = [...this.options.artifactRoots, this.blobs.folder];
    const base = join(this.options.artifactRoots[0] ?? this.blobs.folder, 'manifest.json');
    const prefixes = this.options.allowUrls;
    const source = nodeArtifactSource(base, {
      roots,
      allowHttp: prefixes.length > 0,
      http: { ...this.options.http, allow: (url) => (prefixes.some((p) => url.href.startsWith(p)) ? undefined : `${url.origin} is not on this agent's --allow-url list: add the prefix, or upload the artifact (reloadctl apply does).`) },
    });
    return { ...source, byDigest: (digest) => this.blobs.pathOf(digest) };
  }

  private recorder(): ReturnType<typeof createTraceRecorder> {
    const shared = this.options.exporter;
    // Each apply's recorder shuts down its own batch; the shared exporter lives as long as the agent.
    const exporters = shared ? [{ export: shared.export.bind(shared), shutdown: () => Promise.resolve(), forceFlush: () => shared.forceFlush?.() ?? Promise.resolve() }] : [];
    return createTraceRecorder({ serviceName: SERVICE_NAME, exporters });
  }

  private updateGauges(): void {
    this.options.metrics.activeSerial.set(this.store.state.serial);
    this.options.metrics.activeGeneration.set(this.runtime.active.number);
  }
}

function reuse(key: string): ProblemError {
  return new ProblemError('idempotency-key-reuse', 422, `The Idempotency-Key "${key.slice(0, 64)}" was used with another payload: use a new key for a new request.`);
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A body as JSON; undefined when it is not JSON or nests deeper than a manifest may (its validation then says why). */
function parseJson(body: Buffer): unknown {
  if (nestsDeeperThan(body, MAX_DEPTH)) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(header: string | undefined): { traceId: string; spanId: string; flags: number } | undefined {
  const match = header === undefined ? null : TRACEPARENT.exec(header.trim());
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
  return { traceId: match[1], spanId: match[2], flags: parseInt(match[3], 16) };
}

/** The caller's span as the parent of the agent's spans (W3C trace context). */
function contextOf(traceparent: string | undefined): Context | undefined {
  const parent = parseTraceparent(traceparent);
  if (!parent) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.flags & TraceFlags.SAMPLED, isRemote: true });
}

/** Per change: ACK/NACK of its staging, loading and probes (accepted) and of its activation. */
function ackOf(change: ChangeOutcome): ChangeAck {
  const base = { ref: change.ref, kind: change.kind, pointer: change.pointer };
  switch (change.status) {
    case 'activated':
      return { ...base, accepted: { status: 'ACK' }, activated: { status: 'ACK' } };
    case 'failed':
      return { ...base, accepted: { status: 'NACK', error: change.error }, activated: { status: 'NACK', error: { type: 'NotActivated', message: 'not serving: this change failed its checks', pointer: change.error?.pointer } } };
    case 'rolledBack':
      return { ...base, accepted: { status: 'ACK' }, activated: { status: 'NACK', error: change.error ?? { type: 'RolledBack', message: 'activated, then rolled back after a post-activation health check failed', pointer: change.pointer } } };
    default:
      return { ...base, accepted: { status: 'NACK', error: change.error ?? { type: 'Skipped', message: 'not taken: the apply stopped before this change was done (another change failed, or the run was refused)', pointer: change.pointer } }, activated: { status: 'NACK', error: { type: 'NotActivated', message: 'not activated', pointer: change.pointer } } };
  }
}

/** What the active generation serves for a change, for the plan's from → to. */
function currentOf(active: Generation, kind: string, id: string): { version?: string; digest?: string } | undefined {
  switch (kind) {
    case 'Model': {
      const m = active.models.get(id);
      return m && { version: m.version, digest: m.digest };
    }
    case 'Config': {
      const c = active.configs.get(id);
      return c && { version: c.version, digest: c.digest };
    }
    case 'FlagSet':
      return active.flags.has(id) ? {} : undefined;
    case 'Prompt': {
      const p = active.prompts.get(id);
      return p && { version: p.version };
    }
    case 'Resource': {
      const r = active.resources.get(id) ?? [...active.resources.values()].find((x) => x.name === id);
      return r && {};
    }
    case 'Adapter': {
      const a = active.adapters.get(id);
      return a && { version: a.version, digest: a.digest };
    }
    case 'Knowledge': {
      const [index, shard] = id.split('/');
      const s = active.knowledge.get(index)?.get(shard);
      return s && { digest: s.digest };
    }
    default:
      return undefined;
  }
}

/** Whether an inline change (a config's data, a flag set, an inline prompt or resource) equals what the target serves. */
function sameAsServed(active: Generation, change: ManifestModel['changes'][number]): boolean {
  const spec = change.spec as Record<string, unknown>;
  const same = (a: unknown, b: unknown): boolean => b !== undefined && JSON.stringify(a) === JSON.stringify(b);
  switch (change.kind) {
    case 'Config':
      return spec.data !== undefined && same(active.configs.get(change.id)?.data, spec.data) && active.configs.get(change.id)?.version === change.version;
    case 'FlagSet':
      return same(active.flags.get(change.id), spec.flags);
    case 'Prompt': {
      const served = active.prompts.get(change.id);
      return served !== undefined && typeof spec.template === 'string' && served.template === spec.template && served.version === change.version;
    }
    case 'Resource': {
      const served = active.resources.get(String(spec.uri));
      return served !== undefined && typeof spec.text === 'string' && served.text === spec.text && served.name === spec.name && served.mimeType === spec.mimeType;
    }
    default:
      return false;
  }
}

/** The same models with sessions a scratch runtime may not release (the agent's runtime owns them). */
function borrowed(models: ReadonlyMap<string, LoadedModel>): Map<string, LoadedModel> {
  return new Map(
    [...models].map(([id, model]) => {
      const session = model.session;
      return [id, { ...model, session: { inputs: session.inputs, outputs: session.outputs, run: (feeds) => session.run(feeds), release: () => Promise.resolve() } }];
    }),
  );
}

function emptySnapshot(): GenerationSnapshot {
  return { format: 1, number: 0, serial: 0, models: [], configs: [], flags: [], prompts: [], resources: [], adapters: [], knowledge: [], sessions: [] };
}
