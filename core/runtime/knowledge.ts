/** Knowledge shards: JSONL rows with vectors, checked and indexed for cosine search. */
import { ReloadStepError } from '../errors';
import { MinHeap } from '../minHeap';

export interface KnowledgeRow {
  id: string;
  vector: Float32Array;
  norm: number;
  /** The row's other fields (text, metadata…). */
  payload: Record<string, unknown>;
}

export interface KnowledgeShard {
  index: string;
  shard: string;
  embeddingDim: number;
  rows: KnowledgeRow[];
  digest: string;
}

/**
 * Parses a shard's rows. Errors name the line (and the line an id was first used on), never the
 * row's content: the shard is a file named by a manifest, and messages end up in traces.
 */
export function parseShard(text: string, meta: { index: string; shard: string; embeddingDim?: number; digest: string }, pointer?: string): KnowledgeShard {
  const rows: KnowledgeRow[] = [];
  const lineOfId = new Map<string, number>();
  let dim = meta.embeddingDim;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fail = (why: string): never => {
      throw new ReloadStepError('KnowledgeInvalid', `${meta.index}/${meta.shard} line ${i + 1}: ${why}.`, pointer);
    };
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return fail('not JSON');
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return fail('not a JSON object');
    const { id, vector, ...payload } = row as Record<string, unknown>;
    if (typeof id !== 'string') return fail('no string "id"');
    const first = lineOfId.get(id);
    if (first !== undefined) fail(`its id is already the id of line ${first}; ids are unique within a shard`);
    lineOfId.set(id, i + 1);
    if (!Array.isArray(vector)) return fail('no "vector" array');
    dim ??= vector.length;
    if (vector.length !== dim) fail(`vector has ${vector.length} numbers, embeddingDim is ${dim}`);
    const values = new Float32Array(vector.length);
    for (let j = 0; j < vector.length; j++) {
      const x: unknown = vector[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`vector[${j}] is not a finite number`);
      values[j] = x as number;
    }
    rows.push({ id, vector: values, norm: euclideanNorm(values), payload });
  }
  return { index: meta.index, shard: meta.shard, embeddingDim: dim ?? 0, rows, digest: meta.digest };
}

/**
 * √(Σ x²), scaled by the largest magnitude so that large values do not overflow. A loop: spreading
 * a long vector into Math.hypot overflows the call stack.
 */
export function euclideanNorm(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  if (largest === 0 || !Number.isFinite(largest)) return largest;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const scaled = values[i] / largest;
    sum += scaled * scaled;
  }
  return largest * Math.sqrt(sum);
}

export interface SearchHit {
  id: string;
  shard: string;
  score: number;
  payload: Record<string, unknown>;
}

/** Best first: higher score, then id. */
function ranksBefore(a: SearchHit, b: SearchHit): boolean {
  return (b.score - a.score || a.id.localeCompare(b.id)) < 0;
}

/**
 * The k rows most similar (cosine) to `query` across the shards, in O(n log k): a heap keeps the
 * k best so far, its root the worst of them.
 */
export function searchShards(shards: Iterable<KnowledgeShard>, query: readonly number[], k: number): SearchHit[] {
  const queryNorm = euclideanNorm(query);
  // The heap's root is the worst of the best so far: a hit that ranks after it is never kept.
  const best = new MinHeap<SearchHit>((a, b) => ranksBefore(b, a));
  const limit = Math.max(0, Math.floor(k));
  for (const shard of shards) {
    if (shard.embeddingDim !== query.length) throw new Error(`query has ${query.length} dimensions, shard ${shard.index}/${shard.shard} has ${shard.embeddingDim}`);
    for (const row of shard.rows) {
      let dot = 0;
      for (let i = 0; i < query.length; i++) dot += query[i] * row.vector[i];
      const hit = { id: row.id, shard: shard.shard, score: row.norm === 0 || queryNorm === 0 ? 0 : dot / (row.norm * queryNorm), payload: row.payload };
      if (best.size < limit) best.push(hit);
      else if (limit > 0 && ranksBefore(hit, best.peek()!)) {
        best.pop();
        best.push(hit);
      }
    }
  }
  const hits: SearchHit[] = [];
  for (let hit = best.pop(); hit; hit = best.pop()) hits.push(hit);
  return hits.reverse();
}
