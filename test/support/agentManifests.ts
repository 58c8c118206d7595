/** Manifests for agent tests: a workspace with the example models, and reload manifests built per serial. */
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLES } from './fixtures';

export function sha256Of(path: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

/** A temporary folder holding examples/ (models, configs), removed after the test. */
export function agentWorkspace(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-ws-'));
  cpSync(EXAMPLES, dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface ManifestOptions {
  serial: number;
  uid?: string;
  /** Which example model (default 2.1.0). */
  version?: '2.0.0' | '2.1.0';
  /** A marker stored as the config's data, to tell generations apart. */
  marker?: string | number;
  /** A golden probe on the model: `ok` passes on 2.1.0; `wrong` expects other values. */
  probe?: { expect: 'ok' | 'wrong'; phase?: 'preActivate' | 'postActivate' };
  expires?: string;
  /** Replaces the model's pinned digest. */
  digest?: string;
  rollout?: unknown[];
  name?: string;
  /** Extra top-level spec fields. */
  modelUri?: string;
}

/** A reload/v2 manifest with a Model, a Config (data: {marker}) and a FlagSet, for the models in `dir`. */
export function reloadManifest(dir: string, options: ManifestOptions): string {
  const version = options.version ?? '2.1.0';
  const uri = options.modelUri ?? `models/sentiment-${version}.onnx`;
  const path = join(dir, uri);
  const model: Record<string, unknown> = {
    kind: 'Model',
    id: 'sentiment',
    version,
    artifact: { uri, digest: options.digest ?? sha256Of(path), size: readFileSync(path).length },
    io: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 2] }] },
  };
  const spec: Record<string, unknown> = {
    changes: [
      model,
      { kind: 'Config', id: 'marker', data: { marker: options.marker ?? options.serial } },
      { kind: 'FlagSet', id: 'release', flags: { [`serial_${options.serial}`]: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } } },
    ],
  };
  if (options.probe) {
    spec.healthChecks = [
      {
        id: 'golden',
        kind: 'probe',
        change: 'model:sentiment',
        input: { x: { dims: [1, 4], data: [0.1, 0.2, 0.3, 0.4] } },
        expect: { output: 'y', values: options.probe.expect === 'ok' ? [0.480011, 0.519989] : [0.9, 0.1], tolerance: 0.0001 },
        ...(options.probe.phase ? { phase: options.probe.phase } : {}),
      },
    ];
  }
  if (options.rollout) spec.rollout = { steps: options.rollout };
  const metadata: Record<string, unknown> = { name: options.name ?? `serial-${options.serial}`, uid: options.uid ?? randomUUID(), serial: options.serial, initiator: 'test@example.com' };
  if (options.expires) metadata.expires = options.expires;
  return JSON.stringify({ apiVersion: 'reload/v2', kind: 'ReloadManifest', metadata, spec }, null, 2);
}

export function writeManifest(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** An ed25519 key pair as PEM files in `dir`. */
export function keyPair(dir: string, name: string): { privatePath: string; publicPath: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePath = join(dir, `${name}.pem`);
  const publicPath = join(dir, `${name}.pub.pem`);
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privatePath, publicPath };
}
