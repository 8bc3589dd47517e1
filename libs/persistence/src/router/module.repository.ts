import type { DataSource, EntityManager } from 'typeorm';
import type { HealthState, ModelPricing, ServiceLimits, ServiceModel, ServiceProtocol } from '@apiary/contracts';

// TypeORM's postgres driver answers a bare UPDATE/DELETE … RETURNING with
// [rows, affected]; wrapping them in a CTE keeps every query's answer a row array.

/** Advisory-lock key serialising changes of the module graph (register, deregister, enable, disable). */
const TOPOLOGY_LOCK_KEY = 7_263_004;

/** Who set a module's status last. */
export type StatusSource = 'registration' | 'manual' | 'probe';

/** One row of `router_modules` (snake_case, as stored). */
export interface ModuleRow {
  name: string;
  kind: 'service' | 'builtin';
  category: string;
  enabled: boolean;
  depends_on: string[];
  capabilities: string[];
  endpoint: string | null;
  status: HealthState;
  status_source: StatusSource;
  health_check_enabled: boolean;
  health_check_path: string;
  consecutive_failures: number;
  consecutive_successes: number;
  last_checked_at: Date | null;
  registered_at: Date;
  updated_at: Date;
  /** Wire protocol (`process` for built-ins). */
  protocol: ServiceProtocol;
  /** Models with their class (`openai` services). */
  models: ServiceModel[];
  /** Name of the env variable holding the API key on bot-runtime. */
  api_key_env: string | null;
  /** Model → USD per million tokens. */
  pricing: Record<string, ModelPricing>;
  /** Provider limits (empty: none). */
  limits: ServiceLimits;
}

/** A service as registered (`POST /services`), defaults already applied. */
export interface ServiceRegistration {
  name: string;
  endpoint: string;
  capabilities: string[];
  category: string;
  depends_on: string[];
  health_check_enabled: boolean;
  health_check_path: string;
  protocol: ServiceProtocol;
  models: ServiceModel[];
  api_key_env: string | null;
  pricing: Record<string, ModelPricing>;
  limits: ServiceLimits;
}

/** A service claimed for one active health check, with its state at claim time. */
export interface ProbeClaim {
  name: string;
  endpoint: string;
  path: string;
  status: HealthState;
  status_source: StatusSource;
  consecutive_failures: number;
  consecutive_successes: number;
}

/** The state a probe computed for a claimed service. */
export interface ProbeOutcome {
  claim: ProbeClaim;
  status: HealthState;
  consecutive_failures: number;
  consecutive_successes: number;
}

/** Filters of {@link RouterModuleRepository.list}. */
export interface ModuleFilter {
  kind?: 'service' | 'builtin';
  /** Only modules offering this capability. */
  capability?: string;
  status?: HealthState;
  category?: string;
  enabledOnly?: boolean;
}

const COLUMNS = `name, kind, category, enabled, depends_on, capabilities, endpoint, status, status_source,
  health_check_enabled, health_check_path, consecutive_failures, consecutive_successes,
  last_checked_at, registered_at, updated_at, protocol, models, api_key_env, pricing, limits`;

const BUMP = `UPDATE router_config_version SET version = version + 1 WHERE id = 1`;

/**
 * Writes of the module graph inside one transaction holding the topology lock
 * (see {@link RouterModuleRepository.changeTopology}). Reads through it see the
 * graph as it is under the lock.
 */
export class ModuleGraphWriter {
  /** @param em entity manager of the locked transaction */
  constructor(private readonly em: EntityManager) {}

  /** @returns every module, by name */
  async all(): Promise<ModuleRow[]> {
    return this.em.query(`SELECT ${COLUMNS} FROM router_modules ORDER BY name`);
  }

  /**
   * Inserts a service (enabled, healthy, probe due now) or updates a registered one,
   * keeping its enabled flag; its health is reset when the endpoint changes.
   * @returns the row and whether it was created; undefined when the name is a built-in
   */
  async upsertService(s: ServiceRegistration): Promise<{ row: ModuleRow; created: boolean } | undefined> {
    const rows: (ModuleRow & { created: boolean })[] = await this.em.query(
      `INSERT INTO router_modules AS m
         (name, kind, category, enabled, depends_on, capabilities, endpoint, health_check_enabled, health_check_path, next_check_at,
          protocol, models, api_key_env, pricing, limits)
       VALUES ($1, 'service', $2, true, $3::text[], $4::text[], $5, $6, $7, now(), $8, $9::jsonb, $10, $11::jsonb, $12::jsonb)
       ON CONFLICT (name) DO UPDATE SET
         protocol = excluded.protocol,
         models = excluded.models,
         api_key_env = excluded.api_key_env,
         pricing = excluded.pricing,
         limits = excluded.limits,
         category = excluded.category,
         depends_on = excluded.depends_on,
         capabilities = excluded.capabilities,
         health_check_enabled = excluded.health_check_enabled,
         health_check_path = excluded.health_check_path,
         next_check_at = now(),
         status = CASE WHEN m.endpoint IS DISTINCT FROM excluded.endpoint THEN 'healthy' ELSE m.status END,
         status_source = CASE WHEN m.endpoint IS DISTINCT FROM excluded.endpoint THEN 'registration' ELSE m.status_source END,
         consecutive_failures = CASE WHEN m.endpoint IS DISTINCT FROM excluded.endpoint THEN 0 ELSE m.consecutive_failures END,
         consecutive_successes = CASE WHEN m.endpoint IS DISTINCT FROM excluded.endpoint THEN 0 ELSE m.consecutive_successes END,
         endpoint = excluded.endpoint,
         updated_at = now()
       WHERE m.kind = 'service'
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      [
        s.name, s.category, s.depends_on, s.capabilities, s.endpoint, s.health_check_enabled, s.health_check_path,
        s.protocol, JSON.stringify(s.models), s.api_key_env, JSON.stringify(s.pricing), JSON.stringify(s.limits),
      ],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { created, ...rest } = row;
    return { row: rest, created };
  }

  /** Deletes a service. @returns whether a service row was deleted */
  async deleteService(name: string): Promise<boolean> {
    const rows: { name: string }[] = await this.em.query(
      `WITH d AS (DELETE FROM router_modules WHERE name = $1 AND kind = 'service' RETURNING name) SELECT name FROM d`,
      [name],
    );
    return rows.length > 0;
  }

  /** Sets a module's enabled flag. @returns the row, or undefined when absent */
  async setEnabled(name: string, enabled: boolean): Promise<ModuleRow | undefined> {
    const rows: ModuleRow[] = await this.em.query(
      `WITH u AS (UPDATE router_modules SET enabled = $2, updated_at = now() WHERE name = $1 RETURNING ${COLUMNS}) SELECT * FROM u`,
      [name, enabled],
    );
    return rows[0];
  }
}

/**
 * SQL access to `router_modules` and `router_config_version` (task-router). Every
 * change that routing depends on bumps the config version in the same transaction,
 * so replicas polling {@link version} reload exactly when something changed.
 */
export class RouterModuleRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** @returns the config version (a decimal string; bigint) */
  async version(): Promise<string> {
    const rows: { version: string }[] = await this.db.query(`SELECT version::text AS version FROM router_config_version WHERE id = 1`);
    return rows[0]?.version ?? '0';
  }

  /** @returns every module, by name */
  async all(): Promise<ModuleRow[]> {
    return this.db.query(`SELECT ${COLUMNS} FROM router_modules ORDER BY name`);
  }

  /** @returns one module, or undefined */
  async get(name: string): Promise<ModuleRow | undefined> {
    const rows: ModuleRow[] = await this.db.query(`SELECT ${COLUMNS} FROM router_modules WHERE name = $1`, [name]);
    return rows[0];
  }

  /** @returns the modules matching every given filter, by name */
  async list(filter: ModuleFilter = {}): Promise<ModuleRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.capability !== undefined) add('capabilities @> ARRAY[?]::text[]', filter.capability);
    if (filter.status) add('status = ?', filter.status);
    if (filter.category !== undefined) add('category = ?', filter.category);
    if (filter.enabledOnly) where.push('enabled');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return this.db.query(`SELECT ${COLUMNS} FROM router_modules ${clause} ORDER BY name`, params);
  }

  /**
   * Inserts the built-in handlers that are not stored yet (enabled, healthy, no
   * health check); existing rows keep their enabled flag.
   * @param names built-in handler names
   * @param category their category
   * @returns the names inserted
   */
  async seedBuiltins(names: string[], category: string): Promise<string[]> {
    return this.db.transaction(async (em) => {
      const rows: { name: string }[] = await em.query(
        `INSERT INTO router_modules (name, kind, category, capabilities)
         SELECT n, 'builtin', $2, ARRAY[n] FROM unnest($1::text[]) AS n
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [names, category],
      );
      if (rows.length) await em.query(BUMP);
      return rows.map((r) => r.name);
    });
  }

  /**
   * Runs `fn` in one transaction holding the topology advisory lock (so dependency
   * checks and the write they allow cannot interleave with another replica's), and
   * bumps the config version when `fn` resolves. Throwing in `fn` rolls back.
   */
  async changeTopology<T>(fn: (graph: ModuleGraphWriter) => Promise<T>): Promise<T> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock($1)`, [TOPOLOGY_LOCK_KEY]);
      const result = await fn(new ModuleGraphWriter(em));
      await em.query(BUMP);
      return result;
    });
  }

  /**
   * Sets a service's health by hand (`status_source = 'manual'`, probe counters reset).
   * @returns the row, or undefined when no service has that name
   */
  async setHealthManually(name: string, status: HealthState): Promise<ModuleRow | undefined> {
    const rows: ModuleRow[] = await this.db.query(
      `WITH upd AS (
         UPDATE router_modules SET status = $2, status_source = 'manual', consecutive_failures = 0,
           consecutive_successes = 0, updated_at = now()
         WHERE name = $1 AND kind = 'service' RETURNING ${COLUMNS}
       ), bump AS (${BUMP} AND EXISTS (SELECT 1 FROM upd) RETURNING 1)
       SELECT upd.* FROM upd LEFT JOIN bump ON true`,
      [name, status],
    );
    return rows[0];
  }

  /**
   * Claims up to `limit` services whose health check is due, pushing their next
   * check `intervalMs` ahead; rows another replica is claiming are skipped
   * (`FOR UPDATE SKIP LOCKED`), so each due service is probed by one replica per round.
   */
  async claimDueProbes(limit: number, intervalMs: number): Promise<ProbeClaim[]> {
    return this.db.query(
      `WITH claimed AS (
         UPDATE router_modules m SET next_check_at = now() + make_interval(secs => $2::float8 / 1000)
         FROM (
           SELECT name FROM router_modules
           WHERE kind = 'service' AND health_check_enabled AND next_check_at <= now()
           ORDER BY next_check_at LIMIT $1 FOR UPDATE SKIP LOCKED
         ) due
         WHERE m.name = due.name
         RETURNING m.name, m.endpoint, m.health_check_path AS path, m.status, m.status_source,
           m.consecutive_failures, m.consecutive_successes
       ) SELECT * FROM claimed ORDER BY name`,
      [limit, intervalMs],
    );
  }

  /**
   * Stores probe results in one statement. A row whose status, status source or
   * endpoint changed since the claim (a manual set or a re-registration meanwhile)
   * is left alone. Bumps the config version when a status changed.
   * @returns names whose status changed
   */
  async recordProbes(outcomes: ProbeOutcome[]): Promise<string[]> {
    if (outcomes.length === 0) return [];
    const rows: { name: string }[] = await this.db.query(
      `WITH r AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[])
           AS r(name, status, failures, successes, prev_status, prev_source, endpoint)
       ), upd AS (
         UPDATE router_modules m SET
           status = r.status,
           status_source = CASE WHEN r.status <> m.status THEN 'probe' ELSE m.status_source END,
           consecutive_failures = r.failures,
           consecutive_successes = r.successes,
           last_checked_at = now(),
           updated_at = CASE WHEN r.status <> m.status THEN now() ELSE m.updated_at END
         FROM r
         WHERE m.name = r.name AND m.kind = 'service' AND m.status = r.prev_status
           AND m.status_source = r.prev_source AND m.endpoint = r.endpoint
         RETURNING m.name, (r.status <> r.prev_status) AS changed
       ), bump AS (${BUMP} AND EXISTS (SELECT 1 FROM upd WHERE changed) RETURNING 1)
       SELECT upd.name FROM upd LEFT JOIN bump ON true WHERE upd.changed`,
      [
        outcomes.map((o) => o.claim.name),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.consecutive_failures),
        outcomes.map((o) => o.consecutive_successes),
        outcomes.map((o) => o.claim.status),
        outcomes.map((o) => o.claim.status_source),
        outcomes.map((o) => o.claim.endpoint),
      ],
    );
    return rows.map((r) => r.name);
  }
}
