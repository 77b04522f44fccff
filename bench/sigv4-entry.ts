// The one-request entry bench/sigv4.ts bundles for our signer (the SDK's twin is written there).
import { signRequest } from '../actions/shared/src/aws/sigv4.js';

const signed = signRequest(
  {
    method: 'POST',
    url: 'https://sts.eu-west-1.amazonaws.com/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'Action=GetCallerIdentity&Version=2011-06-15'
  },
  {
    credentials: {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
    },
    service: 'sts',
    region: 'eu-west-1',
    now: new Date('2015-08-30T12:36:00Z')
  }
);
console.log(signed.headers.authorization);
