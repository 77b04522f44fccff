import { InputError } from '../../../shared/src/errors.js';

/** `deploy` runs helm upgrade; `plan` only shows what it would change. */
export type Mode = 'deploy' | 'plan';

export function parseMode(text: string): Mode {
  const mode = text.trim().toLowerCase() || 'deploy';
  if (mode === 'deploy' || mode === 'plan') return mode;
  throw new InputError(
    'mode',
    `"${text}" is neither deploy nor plan; use plan on pull requests to show what a deploy would change, deploy (the default) to deploy`
  );
}
