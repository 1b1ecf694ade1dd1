export interface StartWorkerOptions {
  /** Overrides for wrangler.toml vars and secrets (passed as --var). */
  vars?: Record<string, string>;
  port?: number;
  persistTo?: string;
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none';
  onLine?: (line: string) => void;
  /** Another wrangler config file (default: the repository's wrangler.toml). */
  config?: string;
  readyPath?: string;
}

export interface RunningWorker {
  url: string;
  port: number;
  pid: number | undefined;
  logs(): string;
  stop(): Promise<void>;
}

export function startWorker(opts?: StartWorkerOptions): Promise<RunningWorker>;
