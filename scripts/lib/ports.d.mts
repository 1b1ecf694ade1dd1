export function freePort(): Promise<number>;
export function waitForHttp(url: string, timeoutMs?: number): Promise<void>;
