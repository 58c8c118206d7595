/**
 * A tracer that records spans in memory, for one run or one agent. Never registers anything
 * globally (the VS Code extension host is shared): parents are passed explicitly as contexts.
 */
import { ROOT_CONTEXT, trace, type Context, type Tracer } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export const INSTRUMENTATION_SCOPE = 'tracing-reload';

export interface TraceRecorder {
  tracer: Tracer;
  /** Spans ended so far, in the order they ended. */
  finishedSpans(): ReadableSpan[];
  /** Forgets recorded spans (an agent keeps them per apply). */
  reset(): void;
  shutdown(): Promise<void>;
}

export interface RecorderOptions {
  /** false records nothing (spans are no-ops): for measuring tracing overhead. */
  record?: boolean;
  /** Further exporters, e.g. OTLP/HTTP to a collector. */
  exporters?: SpanExporter[];
  serviceName?: string;
}

export function createTraceRecorder(options: RecorderOptions = {}): TraceRecorder {
  const memory = new InMemorySpanExporter();
  const record = options.record ?? true;
  const spanProcessors: SpanProcessor[] = record ? [new SimpleSpanProcessor(memory), ...(options.exporters ?? []).map((e) => new SimpleSpanProcessor(e))] : [];
  const provider = new BasicTracerProvider({ sampler: record ? new AlwaysOnSampler() : new AlwaysOffSampler(), spanProcessors });
  return {
    tracer: provider.getTracer(INSTRUMENTATION_SCOPE),
    finishedSpans: () => memory.getFinishedSpans(),
    reset: () => memory.reset(),
    shutdown: () => provider.shutdown(),
  };
}

/** A context whose active span is `span`'s parent-to-be, built without any context manager. */
export function contextWith(parent: ReturnType<Tracer['startSpan']> | undefined, base: Context = ROOT_CONTEXT): Context {
  return parent ? trace.setSpan(base, parent) : base;
}
