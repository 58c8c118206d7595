import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reloadctlAsync } from '../support/cli';
import { EXAMPLES } from '../support/fixtures';
import { serve } from '../support/httpServer';

const MODEL = readFileSync(join(EXAMPLES, 'models', 'sentiment-2.1.0.onnx'));

/** A temp dir with a self-signed certificate for 127.0.0.1 and the sentiment manifest naming the model at `modelUri`. */
function setUp(t: { after(fn: () => void): void }): { dir: string; tls: { key: string; cert: string }; certFile: string; manifestFor(modelUri: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'reloadctl-http-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const text = readFileSync(join(EXAMPLES, 'sentiment.reload.json'), 'utf8').replace('"config/sentiment-preprocess.json"', JSON.stringify(pathToFileURL(join(EXAMPLES, 'config', 'sentiment-preprocess.json')).href));
  let manifests = 0;
  return {
    dir,
    certFile,
    tls: { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') },
    manifestFor(modelUri) {
      const path = join(dir, `run-${++manifests}.reload.json`);
      writeFileSync(path, text.replace('"models/sentiment-2.1.0.onnx"', JSON.stringify(modelUri)));
      return path;
    },
  };
}

test('dry-run --allow-http stages over http and https (a redirect between them followed); a redirect to file: is refused', { timeout: 60_000 }, async (t) => {
  const { tls, certFile, manifestFor } = setUp(t);
  const secure = await serve(
    t,
    (req, res) => {
      if (req.url === '/model.onnx') res.writeHead(200, { 'content-length': String(MODEL.length) }).end(MODEL);
      else res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    },
    tls,
  );
  const plain = await serve(t, (_req, res) => res.writeHead(301, { location: `${secure.origin}/model.onnx` }).end());
  const env = { NODE_EXTRA_CA_CERTS: certFile };

  const followed = await reloadctlAsync(['dry-run', '--allow-http', '--root', EXAMPLES, manifestFor(`${plain.origin}/model.onnx`)], env);
  assert.equal(followed.code, 0, followed.stdout + followed.stderr);
  assert.match(followed.stdout, /^Succeeded \(3 activated\)/m);

  const refused = await reloadctlAsync(['dry-run', '--allow-http', '--root', EXAMPLES, manifestFor(`${secure.origin}/elsewhere.onnx`)], env);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stdout,
    new RegExp(`\\nreload\\.stage failed: ArtifactFetchFailed: ${secure.origin}/elsewhere\\.onnx: the server redirected to a file: URL; only redirects to http: and https: are followed\\. at /spec/changes/0/artifact/uri\\n$`),
  );

  const offline = await reloadctlAsync(['dry-run', '--root', EXAMPLES, manifestFor(`${secure.origin}/model.onnx`)], env);
  assert.equal(offline.code, 1);
  assert.match(offline.stdout, /reload\.stage failed: UnsupportedArtifactUri: https:\/\/127\.0\.0\.1:\d+\/model\.onnx: http\(s\) artifacts are not fetched here \(no network allowed for this run\)\. at \/spec\/changes\/0\/artifact\/uri\n$/);
});
