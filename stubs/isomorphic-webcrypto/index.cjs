// isomorphic-webcrypto's Node entry exports a Crypto instance; Node >= 19 has one built in.
'use strict';
module.exports = globalThis.crypto;
