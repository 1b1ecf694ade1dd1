import type { BigQuery } from '@google-cloud/bigquery';

export interface BigQueryTarget {
  project: string;
  dataset: string;
  baseUrl?: string;
  location: string;
  serviceAccountJson?: string;
}

export declare function bigQueryTarget(env?: Record<string, string | undefined>): BigQueryTarget;
export declare function createBigQueryClient(target: BigQueryTarget): BigQuery;
export declare function describeTarget(target: BigQueryTarget): string;
