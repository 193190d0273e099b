import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vite';

const WEB = import.meta.dirname;

/**
 * One page per portal: every `web/<portal>/index.html` (consent, account, ...) is an entry, served under
 * `/<portal>/`; shared code is split into common chunks. `base: './'` keeps every asset URL relative, so
 * the build works wherever the site is mounted. Runtime settings (API origin, bank branding) come from
 * `config.json` at the site root, written by the deployment (CDK) or the sandbox, not from the build.
 */
const portals = readdirSync(WEB, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !['src', 'dist', 'node_modules', 'public'].includes(entry.name))
  .filter((entry) => readdirSync(join(WEB, entry.name)).includes('index.html'))
  .map((entry) => entry.name);

export default defineConfig({
  base: './',
  // Vite 8 transforms TSX with oxc; the automatic runtime means components need no `import React`.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    target: 'es2022',
    rolldownOptions: {
      input: Object.fromEntries(portals.map((portal) => [portal, join(WEB, portal, 'index.html')])),
    },
  },
});
