import { defineConfig } from 'vite';

/**
 * The bank's browser SPA. `base: './'` makes every asset URL relative, so one build works under
 * `/consent/` in the local sandbox and at the root of a CloudFront distribution. Runtime settings
 * (API origin, bank name) come from `config.json` deployed next to `index.html`, not from the build.
 */
export default defineConfig({
  base: './',
  // Vite 8 transforms TSX with oxc; the automatic runtime means components need no `import React`.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: 'dist',
    target: 'es2022',
  },
});
