import { resolve } from 'node:path';

/** The repository root: cdk.json, package-lock.json, lambdas/ and web/ live here. */
export const PROJECT_ROOT = resolve(__dirname, '..');
