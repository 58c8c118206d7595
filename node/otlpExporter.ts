/**
 * OTLP/HTTP (JSON) export of a run's spans to a collector, through OpenTelemetry's own exporter
 * (`@opentelemetry/exporter-trace-otlp-http`): it reads the standard OTEL_EXPORTER_OTLP_*
 * variables itself (endpoint, headers, timeout, compression, certificates), retries what the
 * specification calls retryable (429, 502, 503, 504, connection errors) with backoff, and gives up
 * at its timeout (OTEL_EXPORTER_OTLP_TIMEOUT, 10 s by default). Hand it to createTraceRecorder's
 * `exporters`; the recorder's shutdown sends what is left.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface OtlpExport {
  /** The exporter, for createTraceRecorder's `exporters`. */
  exporter: SpanExporter;
  /** Where the spans go, for messages. */
  url: string;
  /** Why exports failed so far, each reason once; empty when everything went through. */
  failures(): string[];
  /** Records a failure seen outside an export callback (the recorder's shutdown rejecting). */
  noteFailure(error: unknown): void;
}

type Environment = Readonly<Record<string, string | undefined>>;

const withPath = (base: string): string => `${base.replace(/\/+$/, '')}/v1/traces`;

/** The traces URL as the exporter derives it: --otlp-endpoint or OTEL_EXPORTER_OTLP_ENDPOINT plus /v1/traces, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is. */
function tracesUrl(env: Environment, endpoint: string | undefined): string | undefined {
  if (endpoint !== undefined) return withPath(endpoint);
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return env.OTEL_EXPORTER_OTLP_ENDPOINT ? withPath(env.OTEL_EXPORTER_OTLP_ENDPOINT) : undefined;
}

function describe(error: unknown): string {
  const status = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error ?? 'the export failed');
  return typeof status === 'number' ? `the collector answered HTTP ${status}${message ? ` (${message})` : ''}` : message;
}

/** Passes everything through to `inner`, telling `onFailure` about each failed export. */
class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.onFailure(result.error);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The exporter when export is configured: `endpoint` (a collector's base URL, from
 * --otlp-endpoint), else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT in
 * `env`. The exporter reads the other variables from the process environment.
 */
export function otlpExportFromEnv(env: Environment, endpoint?: string): OtlpExport | undefined {
  const url = tracesUrl(env, endpoint);
  if (url === undefined) return undefined;
  const reasons = new Set<string>();
  const noteFailure = (error: unknown): void => void reasons.add(describe(error));
  const inner = new OTLPTraceExporter(endpoint !== undefined ? { url } : {});
  return { exporter: new ReportingExporter(inner, noteFailure), url, failures: () => [...reasons], noteFailure };
}
