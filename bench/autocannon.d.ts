// The slice of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  export interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
  }
  export interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    '3xx': number;
  }
  export interface Options {
    url: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    idReplacement?: boolean;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    followRedirect?: boolean;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
