/**
 * The configuration's public face: everything else imports it from here. The declarations,
 * readers and validators live in `src/config/`, one module per concern.
 */
export { LOG_LEVELS } from './config/agentOptions.js';
export type { Config } from './config/config.js';
export { CONFIG_VARIABLES, renderConfigTable } from './config/configVariables.js';
export { parseConfig } from './config/parseConfig.js';
