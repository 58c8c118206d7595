/**
 * A tracer that records spans in memory, for one run or one agent. Never registers anything
 * globally (the VS Code extension host is shared): parents are passed explicitly as contexts.
 */
import { ROOT_CONTEXT, trace, type Context, type Tracer } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * Keeps ended spans in an array. Cheaper than SimpleSpanProcessor + InMemorySpanExporter, which
 * run an export (with its promise bookkeeping) per span: a dry run of 1,000 changes ends 1,000+.
 */
class CollectingSpanProcessor implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

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
  const memory = new CollectingSpanProcessor();
  const record = options.record ?? true;
  const spanProcessors: SpanProcessor[] = record ? [memory, ...(options.exporters ?? []).map((e) => new SimpleSpanProcessor(e))] : [];
  const provider = new BasicTracerProvider({ sampler: record ? new AlwaysOnSampler() : new AlwaysOffSampler(), spanProcessors });
  return {
    tracer: provider.getTracer(INSTRUMENTATION_SCOPE),
    finishedSpans: () => [...memory.spans],
    reset: () => {
      memory.spans = [];
    },
    shutdown: () => provider.shutdown(),
  };
}

/** A context whose active span is `span`'s parent-to-be, built without any context manager. */
export function contextWith(parent: ReturnType<Tracer['startSpan']> | undefined, base: Context = ROOT_CONTEXT): Context {
  return parent ? trace.setSpan(base, parent) : base;
}
