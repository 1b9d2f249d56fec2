'use strict';
throw new Error('jsdom is stubbed out in peerlink (see stubs/README.md)');
