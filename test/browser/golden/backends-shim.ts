/**
 * test/util/backends.ts for a browser page that runs one device's tests (the page's Vite config
 * puts this module in its place): `describeBackend` defines only the blocks of the page's device,
 * which the page acquired before importing the test file (`setPageDevice`).
 */
import { describe } from "./vitest-shim.js";
import type { DeviceName } from "../../../src/index.js";

let pageDevice: DeviceName | null = null;

/** The device whose blocks this page runs (the other devices' blocks are not defined). */
export function setPageDevice(device: DeviceName): void {
  pageDevice = device;
}

/** Required in the browser run: the page fails when its device cannot be acquired. */
export const REQUIRE_WEBGPU = true;
/** The page acquired its device before the tests were imported. */
export const webgpuUnavailable: string | null = null;

export function testDevices(): DeviceName[] {
  return pageDevice ? [pageDevice] : [];
}

export function describeBackend(
  name: string,
  device: DeviceName,
  fn: (device: DeviceName) => void,
): void {
  if (device === pageDevice) describe(`${name} [${device}]`, () => fn(device));
}

export function describeBackends(name: string, fn: (device: DeviceName) => void): void {
  if (pageDevice) describeBackend(name, pageDevice, fn);
}
