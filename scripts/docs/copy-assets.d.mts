export const ASSET_DIR: string;
export const DOCS_ASSETS: Array<[target: string, pkg: string, file: string]>;
export function copyDocsAssets(): string[];
