export declare const BROWSER_FILE: string;
export declare const defaultOutDir: string;
export declare function buildBrowserBundle(opts?: { outDir?: string; write?: boolean; minify?: boolean }): Promise<{ code: string; path?: string }>;
