// The built-in SASL mechanisms, their default order, and SASLprep.
import type { SASLMechanismClass } from '../src/sasl/mechanism.js';
import { Anonymous } from './anonymous.js';
import { DigestMd5 } from './digest-md5.js';
import { External } from './external.js';
import { OAuthBearer } from './oauthbearer.js';
import { Plain } from './plain.js';
import { ScramSha1, ScramSha256, ScramSha512 } from './scram.js';
import { XOAuth2 } from './x-oauth2.js';

export type { ScramCrypto, ScramHash } from './crypto/scram-crypto.js';
export { Anonymous } from './anonymous.js';
export { DigestMd5, type DigestMd5Options } from './digest-md5.js';
export { External } from './external.js';
export { OAuthBearer } from './oauthbearer.js';
export { Plain } from './plain.js';
export { saslprep } from './saslprep.js';
export { Scram, ScramSha1, ScramSha256, ScramSha512, type ScramOptions } from './scram.js';
export { XOAuth2 } from './x-oauth2.js';

/** Every built-in mechanism, strongest first (each one's `test()` still decides whether it can run). */
export const defaultMechanisms: SASLMechanismClass[] = [External, ScramSha512, ScramSha256, ScramSha1, OAuthBearer, DigestMd5, XOAuth2, Plain, Anonymous];
