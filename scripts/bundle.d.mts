// Types for scripts/bundle.mjs (plain JavaScript, see there), for the bench's TypeScript.
export declare const BUNDLE_DIR: string;
export declare const BUNDLE_ENTRY: string;
export declare const CLI_ENTRY: string;
export declare function bundle(root: string, entry?: string, outdir?: string): Promise<void>;
