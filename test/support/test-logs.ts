/**
 * Jest setup (every test file): what the code under test prints goes to `.local/test-logs/<file>.log`
 * (git-ignored, rewritten each run) instead of the terminal, so `npm test` shows results; the reporter
 * (test-logs-reporter.js) names the log of a file that fails. Tests that check output read it themselves.
 */
import { Console } from 'node:console';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const { testLogPath } = require('./test-logs-reporter') as { testLogPath: (testPath: string) => string };

const file = testLogPath(expect.getState().testPath!);
mkdirSync(dirname(file), { recursive: true });
const log = createWriteStream(file);
globalThis.console = new Console({ stdout: log, stderr: log });
// At its source: Lambda runs Node 22, the SDK's notice about an older local Node says nothing about the code.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
afterAll(() => new Promise<void>((done) => log.end(done)));
