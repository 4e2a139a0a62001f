/** Whether ops record on the autograd tape. */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

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
 * Runs `fn` without recording gradients (PyTorch's `torch.no_grad()`).
 * @example
 * torch.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with gradient recording on, even inside `noGrad` (PyTorch's `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
