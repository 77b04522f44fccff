// What counts as a leaked secret, and where to look for one. Pure: tests hand in the texts a
// user could read (the rendered log, the file commands, files left behind) and get the hits.

export interface SecretFixture {
  /** Shown in failure messages and the report instead of the value. */
  name: string;
  value: string;
}

export interface Needle {
  secret: string;
  form: string;
  text: string;
}

export interface SecretHit {
  /** Where it was found: "log", "GITHUB_OUTPUT", a file path, ... */
  where: string;
  secret: string;
  form: string;
}

/** An EKS bearer token as `aws eks get-token` mints it; any of them in a log is a leak. */
export const EKS_TOKEN = /k8s-aws-v1\.[A-Za-z0-9_-]{40,}/;

/** The value and the encodings a log or file could carry it in. */
export function needles(secrets: SecretFixture[]): Needle[] {
  return secrets.flatMap(({ name, value }) => {
    const b64 = Buffer.from(value).toString('base64');
    const forms: Array<[string, string]> = [
      ['value', value],
      ['base64', b64],
      ['base64 without padding', b64.replace(/=+$/, '')],
      ['base64url', Buffer.from(value).toString('base64url')]
    ];
    const unique = forms.filter(([, text], i) => forms.findIndex(([, t]) => t === text) === i);
    return unique.map(([form, text]) => ({ secret: name, form, text }));
  });
}

/** Every needle (and every EKS token) found in every text. */
export function findSecrets(texts: Record<string, string>, secrets: SecretFixture[]): SecretHit[] {
  const all = needles(secrets);
  return Object.entries(texts).flatMap(([where, text]) => [
    ...all
      .filter((needle) => text.includes(needle.text))
      .map(({ secret, form }) => ({ where, secret, form })),
    ...(EKS_TOKEN.test(text) ? [{ where, secret: 'an EKS exec token', form: 'value' }] : [])
  ]);
}
