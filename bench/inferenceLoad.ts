/**
 * The load generator of bench/agent, in a process of its own so it shares an event loop with
 * neither the agent nor the reload driver: autocannon POSTing one Open Inference Protocol request
 * over `connections` keep-alive connections for `seconds`. Prints one JSON line when the load
 * starts and one with the results: counts, and latency percentiles from every response's own time
 * (autocannon's histogram rounds to whole milliseconds), with the slowest responses' wall times
 * so the bench can place them beside the reloads.
 * Run: node --import tsx bench/inferenceLoad.ts '{"url", "body", "connections", "seconds"}'
 */
import autocannon from 'autocannon';
import { percentile } from './stats';

interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  event: 'done';
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU time this process used for the load (ms). */
  cpuMs: number;
  /** The slowest responses: when they ended (epoch ms) and how long they took (ms). */
  slowest: { at: number; ms: number }[];
}

const SLOWEST_KEPT = 20;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as LoadOptions;
  const latencies: number[] = [];
  const endedAt: number[] = [];
  let ok = 0;
  let non2xx = 0;
  const cpu = process.cpuUsage();
  const instance = autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
  });
  instance.on('start', () => console.log(JSON.stringify({ event: 'started', at: Date.now() })));
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
      endedAt.push(performance.timeOrigin + performance.now());
    } else {
      non2xx++;
    }
  });
  const result = await instance;
  const used = process.cpuUsage(cpu);
  const order = latencies.map((_, i) => i).sort((a, b) => latencies[b] - latencies[a]);
  const done: LoadResult = {
    event: 'done',
    requests: result.requests.total,
    ok,
    non2xx: Math.max(non2xx, result.non2xx),
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.reduce((a, b) => Math.max(a, b), 0),
    cpuMs: (used.user + used.system) / 1000,
    slowest: order.slice(0, SLOWEST_KEPT).map((i) => ({ at: Math.round(endedAt[i]), ms: latencies[i] })),
  };
  console.log(JSON.stringify(done));
}

void main();
