import { afterAll } from 'vitest';
import { killLeftoverSessions } from './cli.js';

// A vitest setup file: runs in every test file, so this afterAll ends each file.
afterAll(() => {
  killLeftoverSessions();
});
