/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse) signed with ed25519: `reloadctl
 * apply --key` signs a manifest, an agent started with `--trust-key` accepts only manifests signed
 * by one of its keys. The signature covers the pre-authentication encoding (PAE) of the payload
 * type and the payload's bytes, so neither can be swapped.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { MANIFEST_PAYLOAD_TYPE, type DsseEnvelope } from '../core/target/api';

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The key id of a public key: sha256 of its SubjectPublicKeyInfo DER, hex. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export class KeyError extends Error {}

function requireEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not ed25519: create one with "openssl genpkey -algorithm ed25519".`);
  return key;
}

/** An ed25519 private key from PEM text (PKCS#8, as `openssl genpkey -algorithm ed25519` writes it). */
export function privateKeyFromPem(pem: string, what = 'the signing key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new KeyError(`${what} is not a PEM private key: create one with "openssl genpkey -algorithm ed25519 -out key.pem".`);
  }
  return requireEd25519(key, what);
}

/** An ed25519 public key from PEM text (SPKI, as `openssl pkey -pubout` writes it). */
export function publicKeyFromPem(pem: string, what = 'the trusted key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new KeyError(`${what} is not a PEM public key: export one with "openssl pkey -in key.pem -pubout -out key.pub.pem".`);
  }
  return requireEd25519(key, what);
}

export function signManifest(manifest: Uint8Array, key: KeyObject): DsseEnvelope {
  const signature = sign(null, preAuthEncoding(MANIFEST_PAYLOAD_TYPE, manifest), key);
  return { payloadType: MANIFEST_PAYLOAD_TYPE, payload: Buffer.from(manifest).toString('base64'), signatures: [{ keyid: keyIdOf(key), sig: signature.toString('base64') }] };
}

export type EnvelopeCheck = { ok: true; payload: Buffer; keyid: string } | { ok: false; reason: string };

/** Whether `value` has the shape of an envelope (decides how a request body is read). */
export function isEnvelope(value: unknown): value is DsseEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.payloadType === 'string' && typeof v.payload === 'string' && Array.isArray(v.signatures);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 with padding (what an envelope's payload and signatures are). */
export function isBase64(text: string): boolean {
  return BASE64.test(text) && text.length % 4 === 0;
}
const MAX_SIGNATURES = 16;

/** Checks an envelope against trusted keys: one valid signature by one of them suffices. */
export function openEnvelope(envelope: DsseEnvelope, trusted: readonly KeyObject[]): EnvelopeCheck {
  if (envelope.payloadType !== MANIFEST_PAYLOAD_TYPE) return { ok: false, reason: `the envelope's payloadType is "${String(envelope.payloadType).slice(0, 100)}", not ${MANIFEST_PAYLOAD_TYPE}` };
  if (!isBase64(envelope.payload)) return { ok: false, reason: 'the envelope\'s payload is not base64' };
  if (envelope.signatures.length === 0) return { ok: false, reason: 'the envelope has no signatures' };
  if (envelope.signatures.length > MAX_SIGNATURES) return { ok: false, reason: `the envelope has more than ${MAX_SIGNATURES} signatures` };
  const payload = Buffer.from(envelope.payload, 'base64');
  const signed = preAuthEncoding(envelope.payloadType, payload);
  const keys = trusted.map((key) => ({ key, id: keyIdOf(key) }));
  for (const entry of envelope.signatures) {
    if (typeof entry !== 'object' || entry === null || typeof entry.sig !== 'string' || !BASE64.test(entry.sig)) continue;
    const sig = Buffer.from(entry.sig, 'base64');
    if (sig.length !== 64) continue;
    // A keyid narrows the search; without one every trusted key is tried.
    for (const { key, id } of keys) {
      if (typeof entry.keyid === 'string' && entry.keyid !== '' && entry.keyid !== id) continue;
      if (verify(null, signed, key, sig)) return { ok: true, payload, keyid: id };
    }
  }
  return { ok: false, reason: trusted.length === 0 ? 'the agent trusts no keys' : 'no signature is by a trusted key (or a signature does not match the payload)' };
}
