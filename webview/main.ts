/** The timeline webview's entry: one VS Code API, one page, host messages in, and `ready` out once listening. */
import { TimelineApp } from './app';
import { acquireApi } from './vscodeApi';

const api = acquireApi();
const app = new TimelineApp(api);
window.addEventListener('message', (event: MessageEvent<unknown>) => app.receive(event.data));
api.postMessage({ type: 'ready' });
