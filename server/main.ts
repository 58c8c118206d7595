/** Entry of the language server (dist/server.js): `--stdio`, or node-ipc when VS Code starts it. */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
