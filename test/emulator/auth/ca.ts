// A throwaway certificate authority for the EKS emulator: one CA and one server certificate
// for 127.0.0.1 / localhost, generated in memory at every start (ECDSA P-256, a few ms).
// Go's crypto/x509 (helm, kubectl) is strict, so the CA carries basicConstraints CA:true and
// keyCertSign, the leaf carries the SANs (Go ignores the Common Name), serials are positive.
// @peculiar/x509 resolves its internals through tsyringe, which needs a Reflect polyfill.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

export interface CertificateAuthority {
  /** PEM of the CA certificate: what kubeconfig's certificate-authority-data holds. */
  caPem: string;
  /** PEM of the server certificate for 127.0.0.1, localhost and any names asked for, signed by the CA. */
  serverCertPem: string;
  /** PEM (PKCS#8) of the server's private key, for https.createServer({ key }). */
  serverKeyPem: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const crypto = webcrypto;
// Clock skew between this process and a client should never make a fresh cert "not yet valid".
const backdateMs = 60 * 60 * 1000;
const validityMs = 7 * 24 * 60 * 60 * 1000;

/** `dnsNames`: more names the server certificate is for (a stand-in for a real host, say). */
export async function createCertificateAuthority(
  now = new Date(),
  dnsNames: string[] = []
): Promise<CertificateAuthority> {
  const notBefore = new Date(now.getTime() - backdateMs);
  const notAfter = new Date(now.getTime() + validityMs);
  const caKeys = await generateKeys();
  const serverKeys = await generateKeys();

  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: positiveSerial(),
      name: 'CN=eks-emulator-ca',
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true
        ),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto)
      ]
    },
    crypto
  );

  const server = await x509.X509CertificateGenerator.create(
    {
      serialNumber: positiveSerial(),
      subject: 'CN=localhost',
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
          ...dnsNames.map((value) => ({ type: 'dns' as const, value }))
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto)
      ]
    },
    crypto
  );

  return {
    caPem: ca.toString('pem') + '\n',
    serverCertPem: server.toString('pem') + '\n',
    serverKeyPem: await privateKeyPem(serverKeys.privateKey)
  };
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as CryptoKeyPair;
}

// 16 random bytes with the top bit cleared: DER INTEGERs are signed and Go rejects negatives.
function positiveSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
}
