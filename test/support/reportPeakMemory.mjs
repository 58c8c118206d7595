// Preloaded (`node --import`) into a process whose memory a test bounds: on exit, writes the
// process's peak resident set size in KiB to the file named by PEAK_MEMORY_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  writeFileSync(process.env.PEAK_MEMORY_FILE, String(process.resourceUsage().maxRSS));
});
