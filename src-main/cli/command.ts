import type { ApiService } from '../api/service.js';
import type { MethodName, ParamsOf, ResultOf } from '../api/contract/index.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Shown in help, e.g. 'FILE'. */
  value?: string;
  description: string;
  multiple?: boolean;
  short?: string;
}

/** What a command's `run` gets. */
export interface CliContext {
  /** Parsed options (strings or booleans; arrays for `multiple`). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Positionals after the command's own words. */
  positionals: string[];
  json: boolean;
  debug: boolean;
  workspaceDir: string;
  /** The api service over the workspace (loaded and created on first use). */
  service(): Promise<ApiService>;
  /** Call an api method; a failure throws the UserError it carries. */
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  out(text: string): void;
  err(text: string): void;
  /** Print one JSON document (for --json). */
  printJson(value: unknown): void;
  /** A required string option, or a UsageError naming it. */
  required(name: string): string;
  /** An optional string option. */
  option(name: string): string | undefined;
  /** Resolves when SIGINT/SIGTERM arrives (long-running commands). */
  interrupted(): Promise<void>;
}

/** One CLI verb, step-style: its own words, options, help and examples. */
export interface Command {
  /** The words that select it, e.g. 'cert issue'. */
  name: string;
  summary: string;
  /** Everything after the command words in the usage line. */
  usage: string;
  options: Record<string, OptionSpec>;
  examples: string[];
  /** More help text shown under the usage line. */
  details?: string;
  /** Exit code (0 when omitted). */
  run(ctx: CliContext): Promise<number | void>;
}

/** Bad usage: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
