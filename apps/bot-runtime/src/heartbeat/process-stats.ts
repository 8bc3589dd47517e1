import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** One reading of this process's resources over the interval since the previous one. */
export interface ProcessReading {
  /** CPU time (user + system) over the interval, % of one core. */
  cpu_percent: number;
  rss_bytes: number;
  heap_used_bytes: number;
  /** Event-loop delay over the interval, mean and p99, ms. */
  event_loop_lag_ms: number;
  event_loop_lag_p99_ms: number;
}

/** What the process may use: cgroup limits when set, else the host's. */
export interface ProcessLimits {
  memory_limit_bytes: number;
  cpus: number;
}

/**
 * Samples this process (seed 003 `ResourceMetrics.collect_system_metrics`, for one
 * replica): CPU from `process.cpuUsage()` deltas, RSS and heap from
 * `process.memoryUsage()`, event-loop delay from `perf_hooks.monitorEventLoopDelay`
 * (reset at every reading).
 */
export class ProcessStats {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private readonly loop: IntervalHistogram;

  /** @param resolutionMs event-loop delay sampling resolution, ms */
  constructor(resolutionMs = 10) {
    this.loop = monitorEventLoopDelay({ resolution: resolutionMs });
    this.loop.enable();
  }

  /** @returns the reading since the previous call (or since construction) */
  read(): ProcessReading {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const mem = process.memoryUsage();
    const mean = Number.isFinite(this.loop.mean) ? this.loop.mean / 1e6 : 0;
    const p99 = this.loop.count > 0 ? this.loop.percentile(99) / 1e6 : 0;
    this.loop.reset();
    return {
      cpu_percent: round((((cpu.user + cpu.system) / 1000) / elapsedMs) * 100),
      rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
      event_loop_lag_ms: round(mean),
      event_loop_lag_p99_ms: round(p99),
    };
  }

  /** Stops the event-loop monitor. */
  stop(): void {
    this.loop.disable();
  }
}

/**
 * Limits of this process: cgroup v2 (`memory.max`, `cpu.max`) or v1
 * (`memory.limit_in_bytes`, `cpu.cfs_quota_us`/`cpu.cfs_period_us`) when they are
 * set and below the host's, else the host's memory and `availableParallelism()`.
 * @param read file reader (tests)
 */
export function processLimits(read: (path: string) => string | null = readOrNull): ProcessLimits {
  const host = totalmem();
  const memCandidates = [read('/sys/fs/cgroup/memory.max'), read('/sys/fs/cgroup/memory/memory.limit_in_bytes')]
    .map((v) => (v && /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN))
    .filter((v) => Number.isFinite(v) && v > 0);
  const memory = Math.min(host, ...memCandidates);
  let cpus = availableParallelism();
  const v2 = read('/sys/fs/cgroup/cpu.max')?.trim().split(/\s+/);
  if (v2 && v2[0] !== 'max' && Number(v2[0]) > 0 && Number(v2[1]) > 0) cpus = Math.min(cpus, Number(v2[0]) / Number(v2[1]));
  else {
    const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim());
    const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
    if (quota > 0 && period > 0) cpus = Math.min(cpus, quota / period);
  }
  return { memory_limit_bytes: memory, cpus: round(cpus) };
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
