// The scan itself: it must find a secret in every form it claims to, and nothing else.
import { describe, expect, test } from '@jest/globals';
import { runnerLog } from '../harness/runner-log.js';
import { findSecrets, needles } from './support/secrets.js';

const SECRET = { name: 'password', value: 's3cret>?>?word' };
const b64 = Buffer.from(SECRET.value).toString('base64');

describe('findSecrets', () => {
  test.each([
    ['the value', `login with ${SECRET.value} ok`, 'value'],
    ['its base64', `auth: ${b64}`, 'base64'],
    ['its base64 without padding', `auth: ${b64.replace(/=+$/, '')}x`, 'base64 without padding'],
    ['its base64url', `u=${Buffer.from(SECRET.value).toString('base64url')}`, 'base64url']
  ])('finds %s', (_, text, form) => {
    expect(findSecrets({ log: text }, [SECRET])).toContainEqual({
      where: 'log',
      secret: 'password',
      form
    });
  });

  test('finds any EKS token, whoever minted it', () => {
    const token = `k8s-aws-v1.${Buffer.from('https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity').toString('base64url')}`;
    expect(findSecrets({ summary: `Authorization: Bearer ${token}` }, [])).toEqual([
      { where: 'summary', secret: 'an EKS exec token', form: 'value' }
    ]);
  });

  test('finds nothing in a clean text', () => {
    expect(findSecrets({ log: 'deployed revision 3' }, [SECRET])).toEqual([]);
  });

  test('has one needle per distinct form', () => {
    expect(needles([{ name: 'n', value: 'abc' }]).map((n) => n.form)).toEqual(['value', 'base64']);
  });
});

describe('the log a user sees', () => {
  test('a masked secret is not found; one printed before its mask is', () => {
    const render = (raw: string) => {
      const log = runnerLog({ debug: true });
      return [...log.write(raw), ...log.flush()].join('\n');
    };
    const masked = render(`::add-mask::${SECRET.value}\nusing ${SECRET.value}\n`);
    expect(findSecrets({ log: masked }, [SECRET])).toEqual([]);
    const early = render(`using ${SECRET.value}\n::add-mask::${SECRET.value}\n`);
    expect(findSecrets({ log: early }, [SECRET])).toHaveLength(1);
  });
});
