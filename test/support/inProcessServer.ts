/**
 * The language server in this process (server/server.ts over in-memory streams), for tests that
 * give it their own file host (a slow one, to make races real). Everything else is the real server.
 */
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection, type PublishDiagnosticsParams } from 'vscode-languageserver/node';
import { startServer, type ServerRuntime } from '../../server/server';
import { LspClient, type ClientOptions } from './lspClient';

export interface InProcessServer {
  client: LspClient;
  /** Every publishDiagnostics the server sent, recorded as it sends it (before it reaches the client). */
  sent: PublishDiagnosticsParams[];
  /** Shuts the server down and closes both ends. */
  stop(): Promise<void>;
}

export async function startInProcess(options: ClientOptions, runtime: ServerRuntime): Promise<InProcessServer> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const connection = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  const sent: PublishDiagnosticsParams[] = [];
  const send = connection.sendDiagnostics.bind(connection);
  connection.sendDiagnostics = (params) => {
    sent.push(params);
    return send(params);
  };
  startServer(connection, runtime);
  const client = await LspClient.connect(createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer)), { ...options, processId: null });
  return {
    client,
    sent,
    stop: async () => {
      await client.stop();
      connection.dispose();
      toServer.end();
      toClient.end();
    },
  };
}
