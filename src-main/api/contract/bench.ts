// The bench domain: a fleet of devices against a broker (the engine behind `mqtt-tls-studio bench`).
import { z } from 'zod';
import { method, returns } from './method.js';
import type { BenchProgress, BenchReport } from '../../core/bench/index.js';

export type { BenchProgress, BenchReport };

export interface BenchStatus {
  running: boolean;
  /** What the run is doing now. */
  progress?: BenchProgress;
  /** The last finished run. */
  report?: BenchReport;
  /** Why the last run could not start or ended in error. */
  error?: string;
  /** The trust choice of the run (running or last), and what it meant, in words. */
  trust?: BenchTrust['kind'];
  trustLabel?: string;
}

/**
 * Which certificates the bench trusts for the broker's: the workspace's root CAs (its own broker), a CA
 * file read in the main process (a foreign broker with its own CA), the system roots, or none at all
 * (`insecure`: the broker's certificate is not checked — for a broker whose CA the user cannot get).
 */
export const benchTrust = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('workspace') }).strict(),
  z.object({ kind: z.literal('file'), path: z.string().trim().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('system') }).strict(),
  z.object({ kind: z.literal('insecure') }).strict(),
]);
export type BenchTrust = z.infer<typeof benchTrust>;

/** The panel's bounds are the CLI's, smaller for the desktop: the app shares the machine with its broker. */
export const BENCH_PANEL_LIMITS = {
  clients: 5000,
  connectRate: 1000,
  publishRate: 20_000,
  duration: 600,
} as const;

export const benchMethods = {
  'bench.status': method(z.object({}).strict(), returns<BenchStatus>(), { readonly: true, example: {} }),
  /** Start a run in the background; progress comes as `bench.progress`, the end as `bench.done`. */
  'bench.start': method(
    z
      .object({
        /** Default: the workspace broker, wherever it listens. */
        url: z.string().max(2048).optional(),
        /** Default: the workspace's root CAs. */
        trust: benchTrust.default({ kind: 'workspace' }),
        /** Workspace CA issuing one certificate per client (into a throwaway copy of the workspace). */
        ca: z.string().min(1).max(200).optional(),
        /** Workspace identities used in turn. */
        as: z.array(z.string().min(1).max(200)).max(100).optional(),
        clients: z.number().int().min(1).max(BENCH_PANEL_LIMITS.clients),
        connectRate: z.number().int().min(1).max(BENCH_PANEL_LIMITS.connectRate).default(100),
        publishRate: z.number().int().min(0).max(BENCH_PANEL_LIMITS.publishRate).default(100),
        qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
        duration: z.number().int().min(1).max(BENCH_PANEL_LIMITS.duration).default(10),
        payloadBytes: z.number().int().min(16).max(65_536).default(64),
        protocol: z.enum(['3.1.1', '5.0']).default('5.0'),
      })
      .strict(),
    returns<BenchStatus>(),
  ),
  'bench.stop': method(z.object({}).strict(), returns<BenchStatus>()),
};

export interface BenchEvents {
  'bench.progress': BenchProgress;
  'bench.done': BenchStatus;
}
