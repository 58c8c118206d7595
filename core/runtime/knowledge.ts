/** Knowledge shards: JSONL rows with vectors, checked and indexed for cosine search. */
import { ReloadStepError } from '../errors';

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

export function parseShard(text: string, meta: { index: string; shard: string; embeddingDim?: number; digest: string }, pointer?: string): KnowledgeShard {
  const rows: KnowledgeRow[] = [];
  const seen = new Set<string>();
  let dim = meta.embeddingDim;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fail = (why: string): never => {
      throw new ReloadStepError('KnowledgeInvalid', `${meta.index}/${meta.shard} line ${i + 1}: ${why}.`, pointer);
    };
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return fail('not JSON');
    }
    const { id, vector, ...payload } = row ?? {};
    if (typeof id !== 'string') fail('no string "id"');
    if (seen.has(id as string)) fail(`id "${String(id)}" appears twice`);
    seen.add(id as string);
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) fail('no "vector" of finite numbers');
    dim ??= (vector as number[]).length;
    if ((vector as number[]).length !== dim) fail(`vector has ${(vector as number[]).length} numbers, embeddingDim is ${dim}`);
    const values = Float32Array.from(vector as number[]);
    rows.push({ id: id as string, vector: values, norm: Math.hypot(...values), payload });
  }
  return { index: meta.index, shard: meta.shard, embeddingDim: dim ?? 0, rows, digest: meta.digest };
}

export interface SearchHit {
  id: string;
  shard: string;
  score: number;
  payload: Record<string, unknown>;
}

/** The k rows most similar (cosine) to `query` across the shards. */
export function searchShards(shards: Iterable<KnowledgeShard>, query: readonly number[], k: number): SearchHit[] {
  const queryNorm = Math.hypot(...query);
  const hits: SearchHit[] = [];
  for (const shard of shards) {
    if (shard.embeddingDim !== query.length) throw new Error(`query has ${query.length} dimensions, shard ${shard.index}/${shard.shard} has ${shard.embeddingDim}`);
    for (const row of shard.rows) {
      let dot = 0;
      for (let i = 0; i < query.length; i++) dot += query[i] * row.vector[i];
      const score = row.norm === 0 || queryNorm === 0 ? 0 : dot / (row.norm * queryNorm);
      hits.push({ id: row.id, shard: shard.shard, score, payload: row.payload });
    }
  }
  return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, k);
}
