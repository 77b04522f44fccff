// STS over its query API (form-encoded POST, XML answer): AssumeRoleWithWebIdentity, which is
// unsigned (the web identity token is the authentication), and GetCallerIdentity, signed.
import { callAws, xmlValue, type AwsContext } from './api.js';
import type { AwsCredentials } from './sigv4.js';

export interface TemporaryCredentials extends AwsCredentials {
  sessionToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session>. */
  arn: string;
}

export interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

export interface StsClient {
  assumeRoleWithWebIdentity(request: {
    roleArn: string;
    sessionName: string;
    webIdentityToken: string;
    durationSeconds: number;
  }): Promise<AssumedRole>;
  getCallerIdentity(credentials: AwsCredentials): Promise<CallerIdentity>;
}

const form = (pairs: Record<string, string>) => new URLSearchParams(pairs).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

function required(xml: string, tag: string, operation: string): string {
  const value = xmlValue(xml, tag);
  if (!value) throw new Error(`STS ${operation}: the answer has no ${tag}`);
  return value;
}

export function stsClient(context: AwsContext, region: string): StsClient {
  /** One query-API call: form-encoded Action + Version + params; signed when credentials are given. */
  const query = async (
    operation: string,
    params: Record<string, string>,
    credentials?: AwsCredentials
  ): Promise<string> => {
    const response = await callAws(context, {
      service: 'sts',
      operation: `STS ${operation}`,
      region,
      method: 'POST',
      path: '/',
      headers: FORM,
      body: form({ Action: operation, Version: '2011-06-15', ...params }),
      credentials
    });
    return response.body;
  };
  return {
    async assumeRoleWithWebIdentity({ roleArn, sessionName, webIdentityToken, durationSeconds }) {
      const operation = 'AssumeRoleWithWebIdentity';
      const xml = await query(operation, {
        RoleArn: roleArn,
        RoleSessionName: sessionName,
        WebIdentityToken: webIdentityToken,
        DurationSeconds: String(durationSeconds)
      });
      return {
        credentials: {
          accessKeyId: required(xml, 'AccessKeyId', operation),
          secretAccessKey: required(xml, 'SecretAccessKey', operation),
          sessionToken: required(xml, 'SessionToken', operation),
          expiresAt: Date.parse(required(xml, 'Expiration', operation))
        },
        arn: required(xml, 'Arn', operation)
      };
    },
    async getCallerIdentity(credentials) {
      const operation = 'GetCallerIdentity';
      const xml = await query(operation, {}, credentials);
      return {
        arn: required(xml, 'Arn', operation),
        account: required(xml, 'Account', operation),
        userId: required(xml, 'UserId', operation)
      };
    }
  };
}
