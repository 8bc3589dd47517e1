/** Nest tokens of task-router (kept apart from modules: STACK-NOTES pitfall 6). */

/** The connected, migrated TypeORM `DataSource`. */
export const DATA_SOURCE = Symbol('ROUTER_DATA_SOURCE');
/** The `RouterModuleRepository`. */
export const MODULE_REPOSITORY = Symbol('ROUTER_MODULE_REPOSITORY');
/** The replica's `InFlightTracker`. */
export const IN_FLIGHT = Symbol('ROUTER_IN_FLIGHT');
/** The replica's `CounterBuffer`. */
export const COUNTERS = Symbol('ROUTER_COUNTERS');
/** The replica's `BreakerBoard`. */
export const BREAKERS = Symbol('ROUTER_BREAKERS');
