/** Starts a reload agent: state restored, then the HTTP API listening. What `reloadctl agent` runs. */
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ModelEngine } from '../core/runtime/modelEngine';
import { ReloadAgent } from './agent';
import { createAgentServer } from './http';
import type { Logger } from './log';
import { McpService } from './mcp';
import { AgentMetrics } from './metrics';

export interface StartOptions {
  host: string;
  port: number;
  stateDir: string;
  token?: string;
  trustKeys: readonly KeyObject[];
  artifactRoots: readonly string[];
  allowUrls: readonly string[];
  maxBlobBytes?: number;
  engine: ModelEngine;
  log: Logger;
  exporter?: SpanExporter;
  /** Host names MCP requests may name in Host/Origin besides the loopback ones (DNS rebinding protection). */
  mcpAllowedHosts?: readonly string[];
  /** Also serve MCP over standard input and output. */
  mcpStdio?: boolean;
}

export interface RunningAgent {
  url: string;
  agent: ReloadAgent;
  /** Stops listening, lets a running apply end (up to `graceMs`), closes connections. */
  close(graceMs?: number): Promise<void>;
}

export async function startAgent(options: StartOptions): Promise<RunningAgent> {
  const metrics = new AgentMetrics();
  const agent = new ReloadAgent({ ...options, metrics });
  await agent.start();
  const mcp = new McpService(agent, { log: options.log, allowedHosts: [...(options.mcpAllowedHosts ?? []), ...(isLoopback(options.host) || options.host === '0.0.0.0' || options.host === '::' ? [] : [options.host])] });
  agent.onGenerationChange = (before, after) => mcp.generationChanged(before, after);
  const server = createAgentServer(agent, { token: options.token, maxBlobBytes: options.maxBlobBytes, log: options.log, metrics, mcp });
  if (options.mcpStdio) await mcp.connectStdio();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  // The model runtime starts in the background, so the first apply does not pay for it.
  const warming = performance.now();
  void options.engine.warmUp?.().then(
    () => options.log('info', 'model runtime ready', { ms: Math.round(performance.now() - warming) }),
    (error: unknown) => options.log('warn', 'the model runtime did not start ahead of the first apply', { error: error instanceof Error ? error.message : String(error) }),
  );
  options.log('info', 'listening', { url, serial: agent.store.state.serial, token: options.token !== undefined, trust_keys: options.trustKeys.length, max_connections: server.maxConnections });
  return {
    url,
    agent,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await mcp.close();
      await agent.stop(graceMs);
      server.closeAllConnections();
      await closed;
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
