import type { BigQuery } from '@google-cloud/bigquery';
import type { BigQueryTarget } from './target.mjs';

export declare const VIEWS: string[];
export declare function applySchema(bigquery: BigQuery, target: BigQueryTarget): Promise<Record<string, string>>;
