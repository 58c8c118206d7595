/**
 * Generates large, valid reload manifests for benchmarks: a mix of Model, Config and FlagSet
 * changes (≈260 bytes each pretty-printed), so 10,000 changes are ≈2.6 MB.
 */
export function generateReloadManifest(changeCount: number): string {
  const changes: unknown[] = [];
  for (let i = 0; i < changeCount; i++) {
    const digest = `sha256:${(i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(8)}`;
    if (i % 3 === 0) {
      changes.push({
        kind: 'Model',
        id: `model-${i}`,
        version: `1.${i % 10}.0`,
        artifact: { uri: `models/model-${i}.onnx`, digest, size: 2048 + i },
        ...(i + 1 < changeCount ? { preprocessing: { configRef: `config:config-${i + 1}` } } : {}),
      });
    } else if (i % 3 === 1) {
      changes.push({ kind: 'Config', id: `config-${i}`, data: { lowercase: i % 2 === 0, maxTokens: 128 + i } });
    } else {
      changes.push({ kind: 'FlagSet', id: `flags-${i}`, flags: { [`flag_${i}`]: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } });
    }
  }
  return `${JSON.stringify(
    {
      apiVersion: 'reload/v2',
      kind: 'ReloadManifest',
      metadata: { name: `bench-${changeCount}`, uid: '0190b6c2-6f7e-7c1a-9d2e-3f4a5b6c7d8e', serial: 1 },
      spec: { changes, activation: { mode: 'atomic' }, rollback: { onFailure: 'revert' } },
    },
    null,
    2,
  )}\n`;
}
