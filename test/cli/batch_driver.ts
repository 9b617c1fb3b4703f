// Runs several command lines through the CLI's main() in one child process (usage mistakes are
// answered before anything is loaded, so one process per case would only repeat node's start):
// argv lists as JSON in, one {status, stdout, stderr} per list as JSON out.
import { main } from '../../src/cli/main.js';

const lists = JSON.parse(process.argv[2] ?? '[]') as string[][];
const results: { status: number; stdout: string; stderr: string }[] = [];
for (const argv of lists) {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  results.push({ status, stdout, stderr });
}
process.stdout.write(JSON.stringify(results));
