/** A real HTTP(S) server on 127.0.0.1 for one test, closed (with its connections) after it. */
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

export interface TestServer {
  origin: string;
  server: Server;
}

export async function serve(t: { after(fn: () => Promise<void>): void }, handler: RequestListener, tls?: { key: string; cert: string }): Promise<TestServer> {
  const server: Server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return { origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, server };
}

/** Serves `bytes` (any path) but holds all but the first 10 until `release()`: keeps an apply staging. */
export async function slowArtifact(t: { after(fn: () => Promise<void>): void }, bytes: Uint8Array): Promise<{ origin: string; release: () => void }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { origin } = await serve(t, (_request, response) => {
    response.writeHead(200, { 'Content-Length': bytes.length });
    response.write(bytes.subarray(0, 10));
    void released.then(() => response.end(bytes.subarray(10)));
  });
  return { origin, release };
}
