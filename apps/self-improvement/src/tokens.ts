/** Nest tokens of self-improvement (kept apart from modules: STACK-NOTES pitfall 6). */

/** The connected, migrated TypeORM `DataSource`. */
export const DATA_SOURCE = Symbol('IMPROVEMENT_DATA_SOURCE');
/** The clock, `() => epoch ms` (`Date.now`; tests move it). */
export const CLOCK = Symbol('IMPROVEMENT_CLOCK');
