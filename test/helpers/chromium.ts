/** Debian's chromium for the browser tests: the same launch as the bench's (bench/headlessChromium.ts). */
export { CHROMIUM, type Chromium, launchChromium } from '../../bench/headlessChromium.js';
