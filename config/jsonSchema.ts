import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * JSON Schema (draft 2020-12) of the config file for editors (e.g. the YAML language
 * server's `# yaml-language-server: $schema=...`). It describes the input: keys with
 * defaults are optional. Cross-field rules (hi_Hz > lo_Hz, Nyquist) are checked by
 * `neuroloop config check`, not by the schema.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'neuroloop config',
  };
}
