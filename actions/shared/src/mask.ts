import * as core from '@actions/core';

/**
 * Every form a secret can appear in a log: the value, each of its lines (the runner masks
 * line by line), and its base64 encodings (a base64 blob of the value is as secret as the value).
 * Pure, so tests can check the set without a runner.
 */
export function secretForms(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.length < 4) return trimmed ? [trimmed] : [];
  const forms = new Set<string>([trimmed]);
  for (const line of trimmed.split(/\r?\n/)) {
    if (line.trim().length >= 4) forms.add(line.trim());
  }
  const b64 = Buffer.from(trimmed).toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(trimmed).toString('base64url'));
  return [...forms];
}

/** Registers a secret with the runner in all its forms. */
export function maskSecret(value: string | undefined): void {
  if (!value) return;
  for (const form of secretForms(value)) core.setSecret(form);
}
