/**
 * The embedded store: a directory holding what must survive a restart. Today that is the generated
 * secrets (secrets.json, mode 0600) and the self-signed development certificate (tls/). Later issues
 * add their state here; a multi-node deployment swaps this for Redis.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import selfsigned from 'selfsigned';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { ServerError } from '../errors.js';

export interface Secrets {
  /** HS256 secret for peer tokens (issue #3 uses it when --auth-secret is not given). */
  authSecret: string;
  /** TURN REST API shared secret (issue #4 uses it when --turn-secret is not given). */
  turnSecret: string;
}

export interface TlsMaterial {
  cert: string;
  key: string;
  /** True when the certificate is the generated development one. */
  selfSigned: boolean;
  path: string;
}

export interface DataDir {
  readonly path: string;
  readonly secrets: Secrets;
  /**
   * The admin API's bearer token, in `<data-dir>/admin-token` (mode 0600): made on first use, so an
   * operator reads it where the server runs (`curl -H "Authorization: Bearer $(cat …/admin-token)"`).
   */
  adminToken(): string;
  /** Reads secrets.json again (SIGHUP, `POST /admin/reload`): an operator may have rotated a secret. */
  reloadSecrets(): Secrets;
  /** Human-readable lines about what was generated on this start (printed by `serve`). */
  readonly generated: string[];
  /**
   * The TLS certificate: --cert/--key, else the development one, which names `localhost`, 127.0.0.1,
   * ::1 and every name in `names` (host names or IPs the server is reached by) and is made again when
   * a name is missing from it, so clients verify it instead of switching verification off.
   */
  tls(opts: {
    cert?: string | undefined;
    key?: string | undefined;
    names?: readonly string[];
  }): Promise<TlsMaterial>;
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];

/** Subject alternative names: IPs as type 7, the rest as DNS names (type 2). */
function altNames(names: readonly string[]): ({ type: 7; ip: string } | { type: 2; value: string })[] {
  return names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n }));
}

const SECRET_BYTES = 32;

function ensureDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ServerError('DATA_DIR_UNUSABLE', `cannot create data dir ${path}: ${(err as Error).message}`);
  }
}

function loadOrCreateSecrets(dir: string, generated: string[]): Secrets {
  const file = join(dir, 'secrets.json');
  let existing: Partial<Secrets> = {};
  if (existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
    } catch (err) {
      throw new ServerError('DATA_DIR_UNUSABLE', `${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const secrets: Secrets = {
    authSecret: typeof existing.authSecret === 'string' ? existing.authSecret : '',
    turnSecret: typeof existing.turnSecret === 'string' ? existing.turnSecret : '',
  };
  let changed = false;
  for (const k of ['authSecret', 'turnSecret'] as const) {
    if (secrets[k].length === 0) {
      secrets[k] = randomBytes(SECRET_BYTES).toString('base64url');
      generated.push(`generated ${k === 'authSecret' ? 'peer token secret' : 'TURN REST secret'} in ${file}`);
      changed = true;
    }
  }
  if (changed) {
    writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return secrets;
}

export const ADMIN_TOKEN_FILE = 'admin-token';

function loadOrCreateToken(file: string, generated: string[]): string {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 16) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ServerError('DATA_DIR_UNUSABLE', `cannot read ${file}: ${(err as Error).message}`);
  }
  const token = randomBytes(SECRET_BYTES).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  generated.push(`generated the admin API token in ${file}`);
  return token;
}

export function openDataDir(path: string): DataDir {
  const dir = resolve(path);
  ensureDir(dir);
  const generated: string[] = [];
  const secrets = loadOrCreateSecrets(dir, generated);
  let token: string | undefined;
  return {
    path: dir,
    secrets,
    generated,
    adminToken() {
      token ??= loadOrCreateToken(join(dir, ADMIN_TOKEN_FILE), generated);
      return token;
    },
    reloadSecrets: () => loadOrCreateSecrets(dir, generated),
    async tls(opts) {
      if (opts.cert !== undefined && opts.key !== undefined) {
        try {
          return {
            cert: readFileSync(opts.cert, 'utf8'),
            key: readFileSync(opts.key, 'utf8'),
            selfSigned: false,
            path: opts.cert,
          };
        } catch (err) {
          throw new ServerError('CONFIG_INVALID', `cannot read --cert/--key: ${(err as Error).message}`);
        }
      }
      const tlsDir = join(dir, 'tls');
      const certFile = join(tlsDir, 'dev-cert.pem');
      const keyFile = join(tlsDir, 'dev-key.pem');
      const names = [...new Set([...DEFAULT_NAMES, ...(opts.names ?? [])])];
      if (existsSync(certFile) && existsSync(keyFile)) {
        const cert = readFileSync(certFile, 'utf8');
        const x509 = new X509Certificate(cert);
        const covered = names.every((n) => (isIP(n) ? x509.checkIP(n) : x509.checkHost(n)) !== undefined);
        if (covered) return { cert, key: readFileSync(keyFile, 'utf8'), selfSigned: true, path: certFile };
        generated.push(`the development certificate did not name ${names.join(', ')}: made again`);
      }
      ensureDir(tlsDir);
      const notBeforeDate = new Date();
      const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 3600 * 1000);
      const pems = await selfsigned.generate([{ name: 'commonName', value: 'peerlink development' }], {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        notBeforeDate,
        notAfterDate,
        extensions: [
          {
            name: 'subjectAltName',
            altNames: altNames(names),
          },
        ],
      });
      writeFileSync(certFile, pems.cert);
      writeFileSync(keyFile, pems.private, { mode: 0o600 });
      generated.push(`generated a self-signed development TLS certificate in ${certFile} (valid 365 days)`);
      return { cert: pems.cert, key: pems.private, selfSigned: true, path: certFile };
    },
  };
}
