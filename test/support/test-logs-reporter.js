/**
 * Jest reporter: each test file's own output (console, the demo IdP's and the SDK's notices, child
 * sandboxes' stderr) is in `.local/test-logs/<file>.log` (test/support/test-logs.ts writes it); when a file
 * has a failure, this names its log under the failure, so the terminal shows results and where to look.
 */
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const TEST_LOGS_DIR = join(ROOT, '.local', 'test-logs');

/** `.local/test-logs/test__integration__foundation.test.ts.log` for `test/integration/foundation.test.ts`. */
const testLogPath = (testPath) => join(TEST_LOGS_DIR, `${relative(ROOT, testPath).replace(/[\\/]/g, '__')}.log`);

class TestLogsReporter {
  onTestResult(test, result) {
    if (result.numFailingTests > 0 || result.testExecError) {
      process.stderr.write(`  Output of ${relative(ROOT, test.path)}: ${relative(ROOT, testLogPath(test.path))}\n\n`);
    }
  }
}

module.exports = TestLogsReporter;
module.exports.testLogPath = testLogPath;
