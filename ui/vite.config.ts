import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** The fonts we ship, each with its licence copied into the build. */
const FONTS = ['@fontsource/lora', '@fontsource/inter', '@fontsource/caveat'];

function fontLicences(): Plugin {
  return {
    name: 'hearth-font-licences',
    generateBundle() {
      for (const font of FONTS) {
        const dir = dirname(require.resolve(`${font}/package.json`));
        this.emitFile({
          type: 'asset',
          fileName: `licences/${font.split('/')[1]}.txt`,
          source: readFileSync(join(dir, 'LICENSE')),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [svelte(), fontLicences()],
  clearScreen: false,
  build: {
    target: 'safari16',
    // Every asset is a file of our own origin: nothing inlined as data: URIs,
    // so the CSP can stay at 'self'.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});
