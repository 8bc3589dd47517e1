import { createTestDatabase, FINISHED, RunningSuite, startNatsServer, startSuite, TestDatabase, TestNats, waitFor } from '@apiary/testing';

/** Polls `GET /tasks/{id}` until every task is finished. @returns the final views by id */
export async function waitForTasks(suite: RunningSuite, ids: string[], timeoutMs = 60_000): Promise<Map<string, any>> {
  const done = new Map<string, any>();
  await waitFor(
    `${ids.length} tasks to finish`,
    async () => {
      const pending = ids.filter((id) => !done.has(id));
      for (let i = 0; i < pending.length; i += 32) {
        await Promise.all(
          pending.slice(i, i + 32).map(async (id) => {
            const r = await suite.http(`/tasks/${id}`);
            if (r.status === 200 && FINISHED.includes(r.body.status)) done.set(id, r.body);
          }),
        );
      }
      return done.size === ids.length;
    },
    timeoutMs,
    100,
  );
  return done;
}

/** What {@link useSuite} gives a spec: the running services, their NATS and database. */
export interface SuiteHandle {
  suite: RunningSuite;
  db: TestDatabase;
  nats: TestNats;
}

/**
 * Registers beforeAll/afterAll that start a private nats-server, a fresh database
 * (migrated by the brain at start-up) and all seven services, and tear them down.
 * @param env extra environment for every service
 * @param runtimes bot-runtime replicas (default 1)
 * @returns a handle whose fields are set once beforeAll has run
 */
export function useSuite(env: Record<string, string> = {}, runtimes = 1): SuiteHandle {
  const handle = {} as SuiteHandle;
  beforeAll(async () => {
    handle.nats = await startNatsServer();
    handle.db = await createTestDatabase();
    handle.suite = await startSuite({ natsUrl: handle.nats.url, databaseUrl: handle.db.url, env, runtimes });
  }, 120_000);
  afterAll(async () => {
    await handle.suite?.stop();
    await handle.db?.drop();
    await handle.nats?.stop();
  });
  return handle;
}
