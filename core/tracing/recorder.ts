/**
 * A tracer that records spans in memory, for one run or one agent. Never registers anything
 * globally (the VS Code extension host is shared): parents are passed explicitly as contexts.
 */
import { ROOT_CONTEXT, trace, type Context, type Tracer } from '@opentelemetry/api';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
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
  /** Ends recording: exports what the exporters still have queued, then shuts them down. Rejects when an export failed. */
  shutdown(): Promise<void>;
}

export interface RecorderOptions {
  /** false records nothing (spans are no-ops): for measuring tracing overhead. */
  record?: boolean;
  /** Further exporters, e.g. OTLP/HTTP to a collector; each gets its spans in batches (BatchSpanProcessor). */
  exporters?: SpanExporter[];
  /** The `service.name` of the spans' resource, as exporters send it. */
  serviceName?: string;
}

/**
 * A run's spans are few and all wanted: the queue is far above the SDK's default (2,048, past
 * which spans are dropped) so a 1,000-change dry run reaches a slow collector whole.
 */
const EXPORT_QUEUE_SPANS = 65_536;

export function createTraceRecorder(options: RecorderOptions = {}): TraceRecorder {
  const memory = new CollectingSpanProcessor();
  const record = options.record ?? true;
  const batches = (options.exporters ?? []).map((exporter) => new BatchSpanProcessor(exporter, { maxQueueSize: EXPORT_QUEUE_SPANS }));
  const spanProcessors: SpanProcessor[] = record ? [memory, ...batches] : [];
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': options.serviceName ?? INSTRUMENTATION_SCOPE }));
  const provider = new BasicTracerProvider({ sampler: record ? new AlwaysOnSampler() : new AlwaysOffSampler(), spanProcessors, resource });
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
