export declare function findBigQueryEmulator(): { path: string; reason?: undefined } | { path?: undefined; reason: string };

export interface RunningBigQueryEmulator {
  url: string;
  port: number;
  logs(): string;
  stop(): Promise<void>;
}

export declare function startBigQueryEmulator(opts: {
  port?: number;
  project: string;
  dataset: string;
  databaseFile?: string;
  withSchema?: boolean;
  log?: (line: string) => void;
}): Promise<RunningBigQueryEmulator | null>;
