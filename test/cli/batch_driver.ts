// Runs several command lines through the CLI's main() in one child process, one after another
// (each would otherwise pay node's and the library's start again): argv lists as JSON in
// argv[2]; one {status, stdout, stderr} per list, as JSON, into the file argv[3]. What main()
// writes is captured; what the library prints itself (progress bars) goes to the real stdout.
import { writeFileSync } from 'node:fs';
import { main } from '../../src/cli/main.js';

const lists = JSON.parse(process.argv[2] ?? '[]') as string[][];
const results: { status: number; stdout: string; stderr: string }[] = [];
for (const argv of lists) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  results.push({ status, stdout, stderr });
}
writeFileSync(process.argv[3], JSON.stringify(results));
