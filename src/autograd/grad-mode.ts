/** Whether ops record on the autograd tape. */
let enabled = true;

/**
 * Whether ops record on the autograd tape now (PyTorch's `torch.is_grad_enabled()`): true unless
 * inside `noGrad` or after `setGradEnabled(false)`.
 *
 * @example
 * torch.noGrad(() => torch.isGradEnabled()); // false
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Turns recording on the autograd tape on or off until it is set again (PyTorch's
 * `torch.set_grad_enabled(mode)` used as a function). Prefer `noGrad(fn)`, which restores the
 * mode when `fn` returns or throws.
 *
 * @example
 * torch.setGradEnabled(false); // evaluation from here on
 */
export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  if (result instanceof Promise) {
    // NOTE: an async fn's awaits interleave with other code; the mode is restored when it settles.
    return result.finally(() => {
      enabled = prev;
    }) as T;
  }
  enabled = prev;
  return result;
}

/**
 * Runs `fn` without recording gradients (PyTorch's `torch.no_grad()`) and returns what it returns;
 * an async `fn` keeps the mode until its promise settles.
 *
 * @example
 * torch.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with gradient recording on, even inside `noGrad` (PyTorch's `torch.enable_grad()`).
 *
 * @example
 * torch.noGrad(() => torch.enableGrad(() => x.mul(2))); // recorded
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
