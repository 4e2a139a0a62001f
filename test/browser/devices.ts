/**
 * The devices the browser tests run on, one list for every part (the golden suite, the demo
 * page). A device in OPTIONAL may be missing from a build or a browser: when
 * `torch.init({ device })` throws, its tests are skipped with the error printed. Any other device
 * that cannot be acquired fails the run.
 */
export const BROWSER_DEVICES = ["cpu", "webgpu", "gpujs"] as const;

export type BrowserDevice = (typeof BROWSER_DEVICES)[number];

/** Devices whose tests are skipped, with the reason printed, when `init` throws. */
export const OPTIONAL: ReadonlySet<BrowserDevice> = new Set(["gpujs"]);
