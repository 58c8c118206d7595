/** Entry of `reloadctl` (dist/cli.js): wires the process to the command runner. */
import { writeChunks } from '../node/writeChunks';
import { runReloadctl } from './reloadctl';

// A reader that stops early (`reloadctl … | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const io = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  writeStdout: (chunks: Iterable<string>) => writeChunks(process.stdout, chunks),
  stderrIsTerminal: process.stderr.isTTY === true,
  stdin: process.stdin,
};

runReloadctl(process.argv.slice(2), io, process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A broken invariant, not a user mistake: say so plainly, with the detail needed to report it.
    process.stderr.write(`reloadctl: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nPlease report this.\n`);
    process.exitCode = 70;
  },
);
