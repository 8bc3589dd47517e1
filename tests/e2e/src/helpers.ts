import { FINISHED, RunningSuite, waitFor } from '@apiary/testing';

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
