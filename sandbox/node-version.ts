/**
 * Imported first by `npm start` and `npm run tpp-demo`: one line when this Node.js is outside the supported
 * line (package.json `engines`: Lambda's runtime, nodejs22.x), and no other notice about the same fact.
 * - The AWS SDK's NodeVersionSupportWarning is switched off by its own variable.
 * - oidc-provider (the demo IdP, never deployed) prints "Unsupported runtime" with console.warn when it is
 *   imported on Node < 22 and has no switch: that one line is dropped, since the line below says it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const { engines } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
  engines: { node: string };
};
/** `^22.12.0` -> [22, 12]: the one supported major and its lowest minor. */
const [major, minor] = /^\^(\d+)\.(\d+)\.\d+$/.exec(engines.node)!.slice(1).map(Number);
/** Older than this does not run (require of ES modules, undici 7); newer majors are untested. */
const RUNS_FROM = [20, 19];

const [ownMajor, ownMinor] = process.versions.node.split('.').map(Number);
const supported = ownMajor === major && ownMinor >= minor;
const runs = ownMajor > RUNS_FROM[0] || (ownMajor === RUNS_FROM[0] && ownMinor >= RUNS_FROM[1]);

if (!supported) {
  const line = `Node.js ${process.version} is outside Bankgate's supported line ${engines.node} (package.json engines; Lambda runs Node ${major})`;
  if (!runs) {
    console.error(`${line}, and is too old to run it: install Node ${major} (e.g. nvm install ${major}).`);
    process.exit(1);
  }
  console.warn(`${line}: it runs, but install Node ${major} for what is deployed (e.g. nvm install ${major}).`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
    warn(...args);
  };
}
