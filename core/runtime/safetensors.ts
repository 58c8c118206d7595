/**
 * The safetensors header (tensor names, dtypes, shapes) and the LoRA shape checks made on it.
 * Errors name tensors by their position in the header (#0, #1…), never by name: names are the
 * file's content, and messages end up in traces.
 */
import { ReloadStepError } from '../errors';

export interface TensorInfo {
  /** Position in the header (`__metadata__` not counted), for messages. */
  index: number;
  dtype: string;
  shape: number[];
  offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

/** Headers above this size are refused (the format's own reference implementation uses 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function parseSafetensorsHeader(bytes: Uint8Array, pointer?: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new ReloadStepError('AdapterMismatch', `Not a safetensors file: ${why}.`, pointer);
  };
  if (bytes.byteLength < 8) fail('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) fail(`header length ${headerLength} does not fit the file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail('its header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('its header is not a JSON object');
  const dataLength = bytes.byteLength - 8 - headerLength;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const index = tensors.size;
    const info = (value ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) return fail(`tensor #${index} lacks dtype, shape or data_offsets`);
    if (!shape.every(isCount)) return fail(`tensor #${index} has a shape that is not a list of whole numbers`);
    if (!offsets.every(isCount) || offsets[0] > offsets[1] || offsets[1] > dataLength) return fail(`tensor #${index} points past the end of the data (${dataLength} bytes)`);
    tensors.set(name, { index, dtype, shape, offsets: offsets as [number, number] });
  }
  return { tensors, metadata };
}

export interface LoraShape {
  rank: number;
  /** The adapted modules' names (from the file: state, never messages). */
  modules: string[];
  /** For each module of `modules`, the header position of its first LoRA tensor. */
  moduleTensors: number[];
  /** Input width of the adapted layers (lora_A's second dimension). */
  inputWidth: number;
}

const LORA = /(?:^|\.)([^.]+)\.lora_([AB])(?:\.[^.]+)?\.weight$/;

/** Finds the LoRA pairs (PEFT naming: `<module>.lora_A.weight`, `<module>.lora_B.weight`) and checks their shapes. */
export function loraShape(header: SafetensorsHeader, pointer?: string): LoraShape {
  const fail = (why: string): never => {
    throw new ReloadStepError('AdapterMismatch', why, pointer);
  };
  const pairs = new Map<string, { A?: TensorInfo; B?: TensorInfo; name: string; first: number }>();
  for (const [name, info] of header.tensors) {
    const match = LORA.exec(name);
    if (!match) continue;
    const key = name.slice(0, name.lastIndexOf(`.lora_${match[2]}`));
    const pair = pairs.get(key) ?? { name: match[1], first: info.index };
    pair[match[2] as 'A' | 'B'] = info;
    pairs.set(key, pair);
  }
  if (pairs.size === 0) fail('The adapter holds no LoRA tensors (named <module>.lora_A.weight / <module>.lora_B.weight).');
  let rank = -1;
  let rankFrom = -1;
  let inputWidth = -1;
  const modules = new Map<string, number>();
  for (const pair of pairs.values()) {
    if (!pair.A || !pair.B) fail(`Tensor #${(pair.A ?? pair.B)!.index} is a lora_${pair.A ? 'A' : 'B'} with no matching lora_${pair.A ? 'B' : 'A'}.`);
    const [A, B] = [pair.A!, pair.B!];
    const [r, width] = A.shape;
    if (A.shape.length !== 2 || B.shape.length !== 2 || B.shape[1] !== r) {
      fail(`Tensors #${A.index} (lora_A ${JSON.stringify(A.shape)}) and #${B.index} (lora_B ${JSON.stringify(B.shape)}) are not a rank-r pair ([r, in] and [out, r]).`);
    }
    if (rank >= 0 && r !== rank) fail(`Tensor #${A.index} has rank ${r}, tensor #${rankFrom} rank ${rank}: one adapter has one rank.`);
    rank = r;
    rankFrom = A.index;
    inputWidth = width;
    if (!modules.has(pair.name)) modules.set(pair.name, pair.first);
  }
  const names = [...modules.keys()].sort();
  return { rank, modules: names, moduleTensors: names.map((name) => modules.get(name)!), inputWidth };
}
