/**
 * ModelEngine on onnxruntime-web (WebAssembly): runs in Node and in the VS Code extension host
 * with no native binaries. Single-threaded WASM: the process is shared, and probes are small.
 */
import * as ort from 'onnxruntime-web';
import type { DType, ModelEngine, ModelSession, TensorData, TensorSignature } from './modelEngine';
import { tensorProblem } from './tensorFeeds';

export interface OnnxEngineOptions {
  /** Folder holding ort-wasm-simd-threaded.{mjs,wasm} when bundled; defaults to the package's own. */
  wasmDir?: string;
}

/** Values are checked first (tensorFeeds.ts), so each conversion is exact. */
const TYPED: Partial<Record<DType, (data: TensorData['data']) => ort.Tensor['data']>> = {
  float32: (d) => Float32Array.from(d as number[]),
  float64: (d) => Float64Array.from(d as number[]),
  int32: (d) => Int32Array.from(d as number[]),
  int64: (d) => BigInt64Array.from(d as number[], (v) => BigInt(v)),
  int8: (d) => Int8Array.from(d as number[]),
  int16: (d) => Int16Array.from(d as number[]),
  uint8: (d) => Uint8Array.from(d as number[]),
  uint16: (d) => Uint16Array.from(d as number[]),
  uint32: (d) => Uint32Array.from(d as number[]),
  uint64: (d) => BigUint64Array.from(d as number[], (v) => BigInt(v)),
  bool: (d) => Uint8Array.from(d as boolean[], (v) => (v ? 1 : 0)),
  string: (d) => [...(d as string[])],
};

function signatureOf(meta: ort.InferenceSession.ValueMetadata): TensorSignature {
  if (!meta.isTensor) return { name: meta.name, dtype: 'non-tensor' };
  return { name: meta.name, dtype: meta.type, shape: meta.shape.map((d) => (typeof d === 'number' ? d : -1)) };
}

function toPlain(tensor: ort.Tensor): TensorData {
  const data = tensor.data;
  const values = data instanceof BigInt64Array || data instanceof BigUint64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<number>);
  return { dims: [...tensor.dims], data: values, dtype: tensor.type as DType };
}

/**
 * A 109-byte ONNX model (y = x + x, float32 [N, 4]; `doublingModel(['x'], ['y'])` of
 * test/support/onnxModels.ts) that warmUp loads to start the WebAssembly runtime.
 */
const WARM_UP_MODEL = 'CAgSFHRyYWNpbmctcmVsb2FkLXRlc3RzOk0KFQoBeAoBeBIBeRoFYWRkXzAiA0FkZBIIZG91YmxpbmdaFAoBeBIPCg0IARIJCgMSAU4KAggEYhQKAXkSDwoNCAESCQoDEgFOCgIIBEIECgAQEQ==';

export function createOnnxEngine(options: OnnxEngineOptions = {}): ModelEngine {
  ort.env.wasm.numThreads = 1;
  if (options.wasmDir) ort.env.wasm.wasmPaths = options.wasmDir.endsWith('/') ? options.wasmDir : `${options.wasmDir}/`;
  return {
    async warmUp() {
      const session = await ort.InferenceSession.create(Uint8Array.from(atob(WARM_UP_MODEL), (c) => c.charCodeAt(0)));
      await session.release();
    },
    async load(bytes) {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(bytes);
      } catch {
        // onnxruntime's message can quote the file (node and tensor names): it is not passed on.
        throw new Error(`not a loadable ONNX model (onnxruntime-web could not create a session from its ${bytes.byteLength} bytes)`);
      }
      const inputs = session.inputNames.map((_, i) => signatureOf(session.inputMetadata[i]));
      const outputs = session.outputNames.map((_, i) => signatureOf(session.outputMetadata[i]));
      const model: ModelSession = {
        inputs,
        outputs,
        async run(feeds) {
          const tensors: Record<string, ort.Tensor> = {};
          // Inputs are named by their position: their names are the model file's content.
          inputs.forEach((input, index) => {
            const feed = Object.prototype.hasOwnProperty.call(feeds, input.name) ? feeds[input.name] : undefined;
            if (!feed) throw new Error(`no tensor for the model's input #${index}`);
            const problem = tensorProblem(input, feed);
            if (problem) throw new Error(`the tensor for the model's input #${index} ${problem.message}`);
            const dtype = input.dtype as DType;
            tensors[input.name] = new ort.Tensor(dtype as 'float32', TYPED[dtype]!(feed.data) as Float32Array, feed.dims);
          });
          const result = await session.run(tensors);
          const out: Record<string, TensorData> = {};
          for (const name of session.outputNames) out[name] = toPlain(result[name]);
          return out;
        },
        release: () => session.release(),
      };
      return model;
    },
  };
}
