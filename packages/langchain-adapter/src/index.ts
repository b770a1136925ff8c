// Placeholder entry point: the integration lands with its own issue (see README).
export {};
