import type { Command } from './io.js';
import { aliasAction } from './admin-client.js';

/** Unblocks an alias on a running relay. */
export const unblock: Command = (args, io) => aliasAction(io, args, 'usage: plus-relay unblock <address> [--url http://127.0.0.1:8080]', 'unblock');
