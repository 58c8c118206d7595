/** What the runtime needs from an inference engine; onnxEngine.ts is the real one (onnxruntime-web). */

export type DType = 'float32' | 'float16' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool' | 'string';

/** A tensor's signature as the loaded graph declares it; symbolic dimensions are -1. */
export interface TensorSignature {
  name: string;
  dtype: DType | string;
  shape?: number[];
}

/** A tensor passed to or returned from inference: row-major data and its dimensions. */
export interface TensorData {
  dims: number[];
  data: number[] | boolean[] | string[];
  dtype?: DType;
}

export interface ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

export interface ModelEngine {
  /** Loads a model from its bytes; throws with a readable message when the bytes are not a model. */
  load(bytes: Uint8Array): Promise<ModelSession>;
  /** Starts the engine ahead of the first load (onnxruntime-web's WebAssembly takes 0.4–0.9 s of CPU to start). */
  warmUp?(): Promise<void>;
}
