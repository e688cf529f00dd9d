import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** The fonts we ship, each with its licence copied into the build. */
const FONTS = ['@fontsource/lora', '@fontsource/inter', '@fontsource/caveat'];

/** The letters' handwriting fonts, kept beside the core that embeds them in PDFs. */
const LETTER_FONTS_DIR = join(import.meta.dirname, '../src-tauri/core/fonts');
const LETTER_FONTS = ['dancing-script', 'kaushan-script', 'kristi'];

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
      // The letters' handwriting fonts (styles/letter-fonts.css), shared with the PDF.
      for (const font of LETTER_FONTS) {
        this.emitFile({
          type: 'asset',
          fileName: `licences/${font}.txt`,
          source: readFileSync(join(LETTER_FONTS_DIR, font, 'LICENSE-OFL.txt')),
        });
      }
    },
  };
}

/**
 * Keeps only the woff2 files of the bundled fonts. Fontsource lists a woff
 * fallback after each woff2, which WebKitGTK (and every browser of the last
 * years) never downloads; dropping them takes ~1 MB off the app.
 */
function woff2Only(): Plugin {
  const fallback = /,\s*url\([^)]*\.woff\)\s*format\(["']woff["']\)/g;
  return {
    name: 'hearth-woff2-only',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const [name, file] of Object.entries(bundle)) {
        if (file.type !== 'asset') continue;
        if (name.endsWith('.woff')) delete bundle[name];
        else if (name.endsWith('.css') && typeof file.source === 'string') {
          file.source = file.source.replace(fallback, '');
        }
      }
    },
  };
}

export default defineConfig({
  plugins: [svelte(), fontLicences(), woff2Only()],
  clearScreen: false,
  build: {
    target: 'safari16',
    // Every asset is a file of our own origin: nothing inlined as data: URIs,
    // so the CSP can stay at 'self'.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
  // Tests run Svelte's client build, where effects run (its server build,
  // which Node would otherwise resolve, never runs them).
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
});
