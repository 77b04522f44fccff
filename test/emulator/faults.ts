// Fault injection for reliability tests: added latency, error answers (5xx, 429) on chosen
// paths or for a share of requests, and dropping the open watches.

export interface FailureRule {
  /** Requests whose path (with query) matches; all requests when absent. */
  path?: RegExp;
  method?: string;
  status: 429 | 500 | 502 | 503 | 504;
  /** Share of matching requests that fail, 0..1 (default 1). */
  share?: number;
  /** Fail only this many matching requests, then stop (default: no limit). */
  count?: number;
}

export interface FaultControls {
  /** Milliseconds added before every answer. */
  latencyMs: number;
  /** Adds a rule; returns a function that removes it. */
  failRequests(rule: FailureRule): () => void;
  /** Ends every open watch stream at once (clients see the connection close); returns how many. */
  dropWatches(): number;
  /** Removes every rule and the latency. */
  clear(): void;
}

export class Faults implements FaultControls {
  latencyMs = 0;
  private rules: Array<FailureRule & { left: number }> = [];
  private readonly watches = new Set<() => void>();

  failRequests(rule: FailureRule): () => void {
    const entry = { ...rule, left: rule.count ?? Infinity };
    this.rules.push(entry);
    return () => {
      this.rules = this.rules.filter((r) => r !== entry);
    };
  }

  dropWatches(): number {
    const count = this.watches.size;
    for (const end of [...this.watches]) end();
    return count;
  }

  clear(): void {
    this.latencyMs = 0;
    this.rules = [];
  }

  /** The status to fail this request with, if a rule says so. */
  failureFor(method: string, pathWithQuery: string): number | undefined {
    for (const rule of this.rules) {
      if (rule.left <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !rule.path.test(pathWithQuery)) continue;
      if (Math.random() >= (rule.share ?? 1)) continue;
      rule.left--;
      return rule.status;
    }
    return undefined;
  }

  trackWatch(end: () => void): () => void {
    this.watches.add(end);
    return () => this.watches.delete(end);
  }
}
