/**
 * A secret sealed with AES-256-GCM: a random 96-bit IV per seal, the 128-bit tag kept beside the
 * ciphertext, and the owner's id as associated data, so that a sealed secret copied onto another
 * record (another access key) fails to open instead of lending its secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Sealed {
  /** base64 */
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

export function seal(key: Buffer, plaintext: string, owner: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(owner));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

/** The plaintext, or undefined when the sealed secret does not open with this key and owner. */
export function unseal(key: Buffer, sealed: Sealed, owner: string): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(owner));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    return undefined;
  }
}
