/** Nest injection tokens of memory (kept apart from modules: STACK-NOTES pitfall 6). */

/** The connected, migrated TypeORM `DataSource`. */
export const DATA_SOURCE = Symbol('MEMORY_DATA_SOURCE');
