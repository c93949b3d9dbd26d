// Read vitest's JSON report and print the closing line "N passed, N failed[, N skipped]".
// Extra arguments are exit statuses of other CI steps (npm start, bench smoke); each non-zero one
// counts as one failure so CI cannot pass while they fail.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, ...statuses] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
if (reportPath && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that failed to load has no tests in it; count it as a failure.
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      failed += 1;
      console.error(`test file failed to run: ${file.name}: ${String(file.message ?? '').split('\n')[0]}`);
    }
  }
} else {
  console.error(`no vitest JSON report at ${reportPath}`);
  failed += 1;
}
const names = ['npm test', 'npm start', 'benchmark smoke'];
statuses.forEach((status, index) => {
  if (status !== undefined && status !== '0') {
    console.error(`${names[index] ?? `step ${index}`} exited with ${status}`);
    if (index > 0 || failed === 0) failed += 1;
  }
});
if (passed === 0 && failed === 0) {
  console.error('no test ran');
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
