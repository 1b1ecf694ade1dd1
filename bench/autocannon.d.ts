// The slice of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    errors: number;
    non2xx: number;
    '3xx': number;
  }
  function autocannon(opts: { url: string; connections?: number; duration?: number; followRedirect?: boolean }): Promise<Result>;
  export default autocannon;
}
