// Shows a step's raw output the way the GitHub runner's log does: workflow commands are
// applied, not printed (add-mask values become ***, debug lines hidden unless asked for,
// groups, warnings and errors marked), so the local pipeline never prints a masked secret.
export interface RunnerLog {
  /** Feeds raw output; returns the lines to show (complete lines only). */
  write(chunk: string): string[];
  /** Whatever remains after the last newline. */
  flush(): string[];
}

function decode(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function runnerLog(options: { debug?: boolean } = {}): RunnerLog {
  const masks: string[] = [];
  let pending = '';
  const mask = (line: string) =>
    masks.reduce((text, secret) => text.split(secret).join('***'), line);

  function render(line: string): string[] {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
    if (!command) return [mask(line)];
    const [, name, data] = command;
    switch (name) {
      case 'add-mask':
        if (data) masks.push(decode(data));
        masks.sort((a, b) => b.length - a.length); // longer first, so no secret is half-masked
        return [];
      case 'debug':
        return options.debug ? [`##[debug]${mask(decode(data))}`] : [];
      case 'group':
        return [`▸ ${mask(decode(data))}`];
      case 'endgroup':
        return [];
      case 'warning':
      case 'error':
      case 'notice':
        return [`${name}: ${mask(decode(data))}`];
      default:
        return []; // add-path, set-output and other commands are state, not log
    }
  }

  return {
    write(chunk) {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      return lines.flatMap(render);
    },
    flush() {
      const rest = pending;
      pending = '';
      return rest ? render(rest) : [];
    }
  };
}
