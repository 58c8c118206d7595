/** The safetensors header (tensor names, dtypes, shapes) and the LoRA shape checks made on it. */
import { ReloadStepError } from '../errors';

export interface TensorInfo {
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

export function parseSafetensorsHeader(bytes: Uint8Array, pointer?: string): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new ReloadStepError('AdapterMismatch', `Not a safetensors file: ${why}.`, pointer);
  };
  if (bytes.byteLength < 8) fail('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength) fail(`header length ${headerLength} does not fit the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch {
    return fail('its header is not JSON');
  }
  const dataLength = bytes.byteLength - 8 - headerLength;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const info = value as Partial<TensorInfo> & { data_offsets?: [number, number] };
    const offsets = info.data_offsets;
    if (typeof info.dtype !== 'string' || !Array.isArray(info.shape) || !Array.isArray(offsets) || offsets.length !== 2) fail(`tensor "${name}" lacks dtype, shape or data_offsets`);
    if (offsets![0] > offsets![1] || offsets![1] > dataLength) fail(`tensor "${name}" points past the end of the data`);
    tensors.set(name, { dtype: info.dtype!, shape: info.shape as number[], offsets: offsets! });
  }
  return { tensors, metadata };
}

export interface LoraShape {
  rank: number;
  modules: string[];
  /** Input width of the adapted layers (lora_A's second dimension). */
  inputWidth: number;
}

const LORA = /(?:^|\.)([^.]+)\.lora_([AB])(?:\.[^.]+)?\.weight$/;

/** Finds the LoRA pairs (PEFT naming: `<module>.lora_A.weight`, `<module>.lora_B.weight`) and checks their shapes. */
export function loraShape(header: SafetensorsHeader, pointer?: string): LoraShape {
  const fail = (why: string): never => {
    throw new ReloadStepError('AdapterMismatch', why, pointer);
  };
  const pairs = new Map<string, { A?: TensorInfo; B?: TensorInfo; name: string }>();
  for (const [name, info] of header.tensors) {
    const match = LORA.exec(name);
    if (!match) continue;
    const key = name.slice(0, name.lastIndexOf(`.lora_${match[2]}`));
    const pair = pairs.get(key) ?? { name: match[1] };
    pair[match[2] as 'A' | 'B'] = info;
    pairs.set(key, pair);
  }
  if (pairs.size === 0) fail('The adapter holds no LoRA tensors (named <module>.lora_A.weight / <module>.lora_B.weight).');
  let rank = -1;
  let inputWidth = -1;
  const modules = new Set<string>();
  for (const [key, pair] of pairs) {
    if (!pair.A || !pair.B) fail(`${key} has lora_${pair.A ? 'A' : 'B'} but no lora_${pair.A ? 'B' : 'A'}.`);
    const [r, width] = pair.A!.shape;
    if (pair.A!.shape.length !== 2 || pair.B!.shape.length !== 2 || pair.B!.shape[1] !== r) {
      fail(`${key}: lora_A ${JSON.stringify(pair.A!.shape)} and lora_B ${JSON.stringify(pair.B!.shape)} are not a rank-r pair ([r, in] and [out, r]).`);
    }
    if (rank >= 0 && r !== rank) fail(`${key} has rank ${r}, other modules rank ${rank}: one adapter has one rank.`);
    rank = r;
    inputWidth = width;
    modules.add(pair.name);
  }
  return { rank, modules: [...modules].sort(), inputWidth };
}
