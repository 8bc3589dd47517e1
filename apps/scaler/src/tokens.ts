/** Nest tokens of the scaler (kept apart from modules: STACK-NOTES pitfall 6). */

/** The connected TypeORM `DataSource`. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
/** The scaler (`Autoscaler`). */
export const AUTOSCALER = Symbol('AUTOSCALER');
