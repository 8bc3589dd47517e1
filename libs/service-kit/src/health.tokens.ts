/** Nest tokens for health and logging (kept apart: STACK-NOTES pitfall 6). */

/**
 * `Map<string, () => Promise<boolean>>` of named dependency checks. Services add
 * entries at start-up (e.g. `database`); health replies report each one.
 */
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');
/** The service's pino logger. */
export const LOGGER = Symbol('LOGGER');
