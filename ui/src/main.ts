import '@fontsource/lora/400.css';
import '@fontsource/lora/400-italic.css';
import '@fontsource/lora/500.css';
import '@fontsource/inter/400.css';
import '@fontsource/inter/500.css';
import '@fontsource/inter/600.css';
import '@fontsource/caveat/500.css';
import './styles/tokens.css';
import './styles/base.css';

import { mount } from 'svelte';
import App from './App.svelte';
import { watchCspViolations } from './lib/csp';

declare global {
  interface Window {
    /** Read by the end-to-end tests. */
    __hearth?: { cspViolations: ReturnType<typeof watchCspViolations> };
  }
}

window.__hearth = { cspViolations: watchCspViolations() };

const target = document.getElementById('app');
if (!target) throw new Error('the #app element is missing from index.html');
mount(App, { target });
