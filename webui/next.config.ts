import type { NextConfig } from "next";

/**
 * The export is built under a placeholder prefix; the Jupyter extension swaps
 * `/__mcp_workbench_base__/` for its `base_url` as it serves the files, so one build works
 * under any base URL.
 */
export const BASE_PATH = "/__mcp_workbench_base__/mcp-workbench/ui";

const config: NextConfig = {
  output: "export",
  basePath: BASE_PATH,
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
