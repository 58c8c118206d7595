/**
 * The local runtime: serves the active generation and keeps the previous stable one. Activation
 * is one reference assignment, so a call that started on a generation finishes on it and never
 * sees a mix; models no generation serves are released once their last call returns.
 */
import { draftOf, EMPTY_GENERATION, modelsOf, type Generation, type GenerationDraft, type LoadedModel } from './generation';
import { evaluateFlag, type FlagEvaluation } from './flags';
import { searchShards, type SearchHit } from './knowledge';
import type { ModelEngine, TensorData } from './modelEngine';
import { renderTemplate } from '../templates';

export interface InferenceResult {
  generation: number;
  modelVersion: string;
  outputs: Record<string, TensorData>;
}

export class ModelNotServedError extends Error {}

export class LocalRuntime {
  private activeGeneration: Generation = EMPTY_GENERATION;
  private stableGeneration: Generation | undefined;
  private generationCounter = 0;
  private readonly inflight = new Map<LoadedModel, number>();
  private readonly awaitingRelease = new Set<LoadedModel>();

  constructor(readonly engine: ModelEngine) {}

  get active(): Generation {
    return this.activeGeneration;
  }

  get previousStable(): Generation | undefined {
    return this.stableGeneration;
  }

  /** A new generation from a draft built on the active one; not served until `activate`. */
  prepare(draft: GenerationDraft, manifest: { name: string; uid?: string; serial: number }): Generation {
    return { number: ++this.generationCounter, serial: manifest.serial, manifest: { name: manifest.name, uid: manifest.uid }, ...draft };
  }

  draft(): GenerationDraft {
    return draftOf(this.activeGeneration);
  }

  /** Serves `next`; the generation it replaces becomes the previous stable one. Returns the swap's duration in ms. */
  activate(next: Generation): number {
    const started = performance.now();
    const replaced = this.activeGeneration;
    const dropped = this.stableGeneration;
    this.activeGeneration = next;
    this.stableGeneration = replaced;
    const pause = performance.now() - started;
    this.retire(dropped);
    return pause;
  }

  /**
   * Serves a generation rebuilt from durable state (an agent's restart or a rollback to an earlier
   * serial): it replaces the active one, which becomes the previous stable one, and later
   * generations are numbered after it.
   */
  restore(generation: Generation): number {
    this.generationCounter = Math.max(this.generationCounter, generation.number);
    return this.activate(generation);
  }

  /** The next generation number (a generation rebuilt from durable state takes it). */
  nextGenerationNumber(): number {
    return ++this.generationCounter;
  }

  /** Serves the previous stable generation again (as a new generation number); false when there is none. */
  rollback(): boolean {
    const target = this.stableGeneration;
    if (!target) return false;
    const failed = this.activeGeneration;
    this.activeGeneration = { ...target, number: ++this.generationCounter };
    this.stableGeneration = undefined;
    this.retire(failed);
    return true;
  }

  /** Releases models prepared for a generation that will never be served. */
  discard(generation: Generation): void {
    this.retire(generation);
  }

  async infer(modelId: string, feeds: Readonly<Record<string, TensorData>>): Promise<InferenceResult> {
    const generation = this.activeGeneration;
    const model = generation.models.get(modelId);
    if (!model) throw new ModelNotServedError(`model "${modelId}" is not served by generation ${generation.number}`);
    return { generation: generation.number, modelVersion: model.version, outputs: await this.runOn(model, feeds) };
  }

  /** Runs a model that may not be active yet (probes run on staged models). */
  async runOn(model: LoadedModel, feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>> {
    this.inflight.set(model, (this.inflight.get(model) ?? 0) + 1);
    try {
      return await model.session.run(feeds);
    } finally {
      const left = (this.inflight.get(model) ?? 1) - 1;
      if (left > 0) this.inflight.set(model, left);
      else {
        this.inflight.delete(model);
        if (this.awaitingRelease.delete(model)) void model.session.release();
      }
    }
  }

  evaluateFlag(flagSetId: string, flagKey: string, context?: Record<string, unknown>): FlagEvaluation {
    return evaluateFlag(this.activeGeneration.flags.get(flagSetId)?.[flagKey], context);
  }

  renderPrompt(name: string, args: Readonly<Record<string, string>>): string {
    const prompt = this.activeGeneration.prompts.get(name);
    if (!prompt) throw new Error(`prompt "${name}" is not served`);
    const missing = prompt.arguments.filter((a) => a.required && !Object.prototype.hasOwnProperty.call(args, a.name)).map((a) => a.name);
    if (missing.length > 0) throw new Error(`prompt "${name}" needs ${missing.join(', ')}`);
    return renderTemplate(prompt.template, args);
  }

  searchKnowledge(index: string, query: readonly number[], k: number): SearchHit[] {
    const shards = this.activeGeneration.knowledge.get(index);
    if (!shards) throw new Error(`knowledge index "${index}" is not served`);
    return searchShards(shards.values(), query, k);
  }

  async dispose(): Promise<void> {
    const all = new Set([...modelsOf(this.activeGeneration), ...modelsOf(this.stableGeneration), ...this.awaitingRelease]);
    this.activeGeneration = EMPTY_GENERATION;
    this.stableGeneration = undefined;
    this.awaitingRelease.clear();
    await Promise.all([...all].map((m) => m.session.release()));
  }

  private retire(generation: Generation | undefined): void {
    if (!generation) return;
    const kept = new Set([...modelsOf(this.activeGeneration), ...modelsOf(this.stableGeneration)]);
    for (const model of generation.models.values()) {
      if (kept.has(model)) continue;
      if (this.inflight.has(model)) this.awaitingRelease.add(model);
      else void model.session.release();
    }
  }
}
