import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Component styles go to the CSS file, never into <style> tags at run time:
    // the CSP allows styles from our own origin only.
    css: 'external',
  },
};
