/**
 * Open Inference Protocol (KServe v2) over the active generation: liveness, readiness, model
 * metadata and inference. Each request runs on the generation active when it arrived (the runtime
 * reads one reference), so an apply never hands it half of a swap. Errors are `{"error": "…"}`,
 * as the protocol says.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DType, TensorData } from '../core/runtime/modelEngine';
import { ModelNotServedError } from '../core/runtime/runtime';
import type { ReloadAgent } from './agent';
import { nestsDeeperThan } from './json';
import type { AgentMetrics } from './metrics';

const MAX_INFER_BYTES = 8 * 1024 * 1024;
/** Elements per input tensor at most (the product of its shape). */
const MAX_ELEMENTS = 4 * 1024 * 1024;
/** Nesting of an input's data at most. */
const MAX_DATA_DEPTH = 32;

const TO_OIP: Record<string, string> = {
  float32: 'FP32', float16: 'FP16', float64: 'FP64', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64',
  uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64', bool: 'BOOL', string: 'BYTES',
};
const FROM_OIP: Record<string, DType> = Object.fromEntries(Object.entries(TO_OIP).map(([dtype, oip]) => [oip, dtype as DType]));

class InferError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function handleInference(agent: ReloadAgent, metrics: AgentMetrics, method: string, path: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    if (path === '/v2/health/live') return void reply(response, 200, { live: true });
    if (path === '/v2/health/ready') return void reply(response, agent.isReady ? 200 : 503, { ready: agent.isReady });
    if (path === '/v2') return void reply(response, 200, { name: 'reload-agent', version: '2', extensions: [] });
    const match = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(path);
    if (!match) throw new InferError(404, `no such endpoint: ${path.slice(0, 200)}`);
    const name = safeDecode(match[1]);
    const model = agent.runtime.active.models.get(name);
    if (match[2] !== undefined && model && safeDecode(match[2]) !== model.version) throw new InferError(404, `model "${name}" serves version ${model.version}, not ${safeDecode(match[2])}`);
    if (match[3] === '/ready') return void reply(response, model ? 200 : 404, { name, ready: model !== undefined });
    if (match[3] === '/infer') {
      if (method !== 'POST') throw new InferError(405, 'inference is POST');
      await infer(agent, metrics, name, request, response);
      return;
    }
    if (!model) throw new InferError(404, `model "${name}" is not served by the active generation`);
    reply(response, 200, {
      name,
      versions: [model.version],
      platform: 'onnxruntime_onnx',
      inputs: model.inputs.map((t) => ({ name: t.name, datatype: TO_OIP[t.dtype] ?? String(t.dtype).toUpperCase(), shape: t.shape ?? [] })),
      outputs: model.outputs.map((t) => ({ name: t.name, datatype: TO_OIP[t.dtype] ?? String(t.dtype).toUpperCase(), shape: t.shape ?? [] })),
    });
  } catch (error) {
    if (error instanceof InferError) reply(response, error.status, { error: error.message });
    else throw error;
  }
}

async function infer(agent: ReloadAgent, metrics: AgentMetrics, name: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const started = performance.now();
  const label = agent.runtime.active.models.has(name) ? name : '(unknown)';
  let result = 'error';
  try {
    const body = await readJson(request);
    const feeds = feedsOf(body);
    let inferred;
    try {
      inferred = await agent.runtime.infer(name, feeds);
    } catch (error) {
      if (error instanceof ModelNotServedError) throw new InferError(404, `model "${name}" is not served by the active generation`);
      // The engine's message can quote the model's tensor names and more: only its kind is said.
      throw new InferError(400, `inference failed: check the inputs' names, shapes and datatypes against GET /v2/models/${name}`);
    }
    const id = typeof (body as { id?: unknown }).id === 'string' ? (body as { id: string }).id.slice(0, 256) : undefined;
    reply(response, 200, {
      model_name: name,
      model_version: inferred.modelVersion,
      ...(id !== undefined ? { id } : {}),
      parameters: { generation: inferred.generation },
      outputs: Object.entries(inferred.outputs).map(([output, tensor]) => ({ name: output, datatype: TO_OIP[tensor.dtype ?? 'float32'] ?? 'FP32', shape: tensor.dims, data: tensor.data })),
    });
    result = 'ok';
  } finally {
    metrics.inferences.inc({ model: label, result });
    metrics.inferenceDuration.observe({ model: label }, (performance.now() - started) / 1000);
  }
}

function feedsOf(body: unknown): Record<string, TensorData> {
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new InferError(400, 'the body needs "inputs": [{"name", "shape", "datatype", "data"}]');
  const feeds: Record<string, TensorData> = Object.create(null) as Record<string, TensorData>;
  for (const [index, input] of inputs.entries()) {
    const { name, shape, datatype, data } = (input ?? {}) as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };
    const at = `inputs[${index}]`;
    if (typeof name !== 'string' || name === '') throw new InferError(400, `${at}.name must be a string`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new InferError(400, `${at}.shape must be an array of whole numbers`);
    const dtype = typeof datatype === 'string' ? FROM_OIP[datatype] : undefined;
    if (!dtype) throw new InferError(400, `${at}.datatype must be one of ${Object.keys(FROM_OIP).join(', ')}`);
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    if (elements > MAX_ELEMENTS) throw new InferError(400, `${at} has ${elements} elements, more than the ${MAX_ELEMENTS} taken`);
    if (!Array.isArray(data)) throw new InferError(400, `${at}.data must be an array`);
    const flat = flatten(data, elements);
    if (flat.length !== elements) throw new InferError(400, `${at}.data has ${flat.length} elements, its shape ${JSON.stringify(shape)} needs ${elements}`);
    const ok = dtype === 'bool' ? flat.every((v) => typeof v === 'boolean') : dtype === 'string' ? flat.every((v) => typeof v === 'string') : flat.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw new InferError(400, `${at}.data holds values that are not ${datatype}`);
    feeds[name] = { dims: shape as number[], data: flat as number[], dtype };
  }
  return feeds;
}

/** Row-major flattening of nested arrays, stopping past `limit` elements (a hostile body cannot make it work harder). */
function flatten(data: unknown[], limit: number): unknown[] {
  const out: unknown[] = [];
  const stack: { items: unknown[]; index: number }[] = [{ items: data, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.index >= top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.index++];
    if (Array.isArray(item)) {
      if (stack.length > MAX_DATA_DEPTH) throw new InferError(400, 'data is nested too deeply');
      stack.push({ items: item, index: 0 });
    } else {
      out.push(item);
      if (out.length > limit) return out;
    }
  }
  return out;
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_INFER_BYTES) refused = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return reject(new InferError(413, `the body is over ${MAX_INFER_BYTES} bytes`));
      const body = Buffer.concat(chunks);
      // {"inputs": [{"data": …}]} around data nested at most MAX_DATA_DEPTH deep.
      if (nestsDeeperThan(body, MAX_DATA_DEPTH + 4)) return reject(new InferError(400, 'data is nested too deeply'));
      try {
        resolve(JSON.parse(body.toString('utf8')));
      } catch {
        reject(new InferError(400, 'the body is not JSON'));
      }
    });
    request.on('error', reject);
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
