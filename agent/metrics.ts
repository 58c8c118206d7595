/**
 * `GET /metrics` in the Prometheus text format, through prom-client (one registry per agent, no
 * global default registry: tests start several agents in one process).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly applyDuration = new Histogram({
    name: 'reload_apply_phase_duration_seconds',
    help: 'Duration of each phase (span) of applies and rollbacks on this agent.',
    labelNames: ['phase'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly applies = new Counter({
    name: 'reload_applies_total',
    help: 'Applies and rollbacks that ended, by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'reload_requests_refused_total',
    help: 'Requests refused with a problem, by problem type.',
    labelNames: ['problem'] as const,
    registers: [this.registry],
  });
  readonly rollbacks = new Counter({
    name: 'reload_rollbacks_total',
    help: 'Generations rolled back: automatically after a failed post-activation check, or on request.',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  readonly activeSerial = new Gauge({ name: 'reload_active_serial', help: 'The serial of the active generation.', registers: [this.registry] });
  readonly activeGeneration = new Gauge({ name: 'reload_active_generation', help: 'The number of the active generation.', registers: [this.registry] });
  readonly inferences = new Counter({
    name: 'reload_inference_requests_total',
    help: 'Open Inference Protocol requests, by model and result.',
    labelNames: ['model', 'result'] as const,
    registers: [this.registry],
  });
  readonly inferenceDuration = new Histogram({
    name: 'reload_inference_duration_seconds',
    help: 'Open Inference Protocol inference latency, by model.',
    labelNames: ['model'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
}
