import type { BigQueryTarget } from '../analytics/bigquery-insert';
import type { QueryTarget } from './bigquery-query';

/** Compile-time only: the insert path's target must stay usable as the query path's target. */
export type TargetsAgree = BigQueryTarget extends QueryTarget ? true : never;
const agree: TargetsAgree = true;
void agree;
