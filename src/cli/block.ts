import type { Command } from './io.js';
import { aliasAction } from './admin-client.js';

/** Blocks an alias on a running relay: its mail is refused (406) from the next message on, on every instance. */
export const block: Command = (args, io) => aliasAction(io, args, 'usage: plus-relay block <address> [--url http://127.0.0.1:8080]', 'block');
