// Which BigQuery the Node tooling talks to, from the same variables the Worker reads:
//   BIGQUERY_PROJECT (+ BIGQUERY_DATASET, default "aimbrellapay")
//   BIGQUERY_BASE_URL → an emulator or other endpoint (no auth), e.g. http://127.0.0.1:9050
//   BIGQUERY_SERVICE_ACCOUNT_JSON or GOOGLE_APPLICATION_CREDENTIALS → real BigQuery
//   BIGQUERY_LOCATION → where `setup` creates the dataset (default US)
// With none of them set, the local emulator that `npm start` runs is assumed (LOCAL_BIGQUERY,
// on APAY_BIGQUERY_PORT when set).
import { BigQuery } from '@google-cloud/bigquery';

/** The emulator `npm start` runs; `npm run stats` finds it here without any setting. */
const LOCAL_BIGQUERY = Object.freeze({ port: 9050, project: 'aimbrellapay-local', dataset: 'aimbrellapay' });

export function bigQueryTarget(env = process.env) {
  const configured = Boolean(env.BIGQUERY_PROJECT);
  const project = env.BIGQUERY_PROJECT || LOCAL_BIGQUERY.project;
  const dataset = env.BIGQUERY_DATASET || LOCAL_BIGQUERY.dataset;
  const hasCredentials = Boolean(env.BIGQUERY_SERVICE_ACCOUNT_JSON || env.GOOGLE_APPLICATION_CREDENTIALS);
  // `npm start` honours APAY_BIGQUERY_PORT for its emulator; follow it so stats finds it.
  const localUrl = `http://127.0.0.1:${env.APAY_BIGQUERY_PORT || LOCAL_BIGQUERY.port}`;
  const baseUrl = (env.BIGQUERY_BASE_URL || (configured ? '' : localUrl)).replace(/\/+$/, '');
  if (configured && !baseUrl && !hasCredentials) {
    throw new Error(
      'BIGQUERY_PROJECT is set but neither BIGQUERY_BASE_URL (emulator) nor credentials (BIGQUERY_SERVICE_ACCOUNT_JSON or GOOGLE_APPLICATION_CREDENTIALS) are',
    );
  }
  return {
    project,
    dataset,
    baseUrl: baseUrl || undefined,
    location: env.BIGQUERY_LOCATION || 'US',
    serviceAccountJson: env.BIGQUERY_SERVICE_ACCOUNT_JSON || undefined,
  };
}

/** A client for the target; a custom endpoint makes the library skip authentication. */
export function createBigQueryClient(target) {
  const options = { projectId: target.project, location: target.location };
  // Without this, google-auth-library probes the GCE metadata server (169.254.169.254) even for
  // an emulator: traffic off this machine, and seconds of waiting. Only ADC on GCP needs it.
  if (target.baseUrl || target.serviceAccountJson) process.env.METADATA_SERVER_DETECTION ??= 'none';
  if (target.baseUrl) return new BigQuery({ ...options, apiEndpoint: target.baseUrl });
  if (target.serviceAccountJson) {
    const key = JSON.parse(target.serviceAccountJson);
    return new BigQuery({ ...options, credentials: { client_email: key.client_email, private_key: key.private_key } });
  }
  return new BigQuery(options); // Application Default Credentials
}

/** Where the target is, for messages (never credentials). */
export function describeTarget(target) {
  return `${target.project}.${target.dataset} at ${target.baseUrl ?? 'BigQuery'}`;
}
