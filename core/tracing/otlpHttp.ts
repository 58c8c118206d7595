/**
 * OTLP/HTTP (JSON) export of a finished trace to a collector, configured by the standard
 * environment variables or an explicit endpoint.
 */
import type { TraceData } from './model';
import { toOtlpJson } from './otlp';

export interface OtlpHttpTarget {
  url: string;
  headers: Record<string, string>;
}

/** The traces URL from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces). */
export function otlpTargetFromEnv(env: Readonly<Record<string, string | undefined>>, endpoint?: string): OtlpHttpTarget | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = endpoint ? `${endpoint.replace(/\/$/, '')}/v1/traces` : (traces ?? (base ? `${base.replace(/\/$/, '')}/v1/traces` : undefined));
  if (!url) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return { url, headers };
}

export async function exportOtlpHttp(trace: TraceData, target: OtlpHttpTarget, fetchImpl: typeof fetch = fetch): Promise<void> {
  const response = await fetchImpl(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: JSON.stringify(toOtlpJson(trace)),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`the collector at ${target.url} answered HTTP ${response.status}`);
}
