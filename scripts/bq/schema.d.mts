import type { BigQuery } from '@google-cloud/bigquery';
import type { BigQueryTarget } from './target.mjs';

export declare const EVENTS_TABLE: string;
export declare const VIEWS: string[];
export declare function eventsTableDefinition(): { schema: { fields: Array<{ name: string; type: string; mode?: string }> } };
export declare function viewSql(name: string, target: Pick<BigQueryTarget, 'project' | 'dataset'>): string;
export declare function applySchema(bigquery: BigQuery, target: BigQueryTarget): Promise<Record<string, string>>;
