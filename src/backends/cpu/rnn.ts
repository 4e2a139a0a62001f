import type { View } from "../../core/layout.js";
import type { KernelArgs } from "../../ops/prims.js";
import { contiguousElements } from "./strided.js";

/**
 * The CPU kernels of the fused LSTM and GRU cells (`rnnCell`, `rnnCellBackward`; the math is on
 * `RnnCellArgs` and `RnnCellBackwardArgs` in ops/prims.ts). One pass over contiguous float32 or
 * float64 rows: element (b, j) reads its four (three) gates at `b * 4H + k * H + j`.
 *
 * Intermediates stay in registers (JS doubles); only stored values are rounded to the array's
 * dtype. In float64 the forward is the composite's arithmetic operation for operation (the same
 * `1 / (1 + exp(-x))` and `Math.tanh`), so the two agree bit for bit.
 *
 * NOTE: the backward recomputes the activations from the forward's inputs rather than reading
 * them from a workspace the forward would have written (PyTorch's `_thnn_fused_lstm_cell` saves
 * one of 4H): the forward then writes only its outputs (2H per row instead of 6H, and the same
 * kernel serves inference), the backward reads 4H + H instead of 4H + 2H, and a few exp/tanh
 * per element cost less than that memory traffic, here and on a GPU.
 */

type Floats = Float32Array | Float64Array;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The elements of a contiguous view, indexed from 0 (see `contiguousElements`). */
const el = (v: View): Floats => contiguousElements<Floats>(v);

/** The `rnnCell` kernel: the forward of one LSTM or GRU step. */
export function rnnCellKernel(args: KernelArgs["rnnCell"]): void {
  if (args.kind === "lstm") lstmForward(args);
  else gruForward(args);
}

/** The `rnnCellBackward` kernel: the gradient of one LSTM or GRU step. */
export function rnnCellBackwardKernel(args: KernelArgs["rnnCellBackward"]): void {
  if (args.kind === "lstm") lstmBackward(args);
  else gruBackward(args);
}

type LstmArgs = Extract<KernelArgs["rnnCell"], { kind: "lstm" }>;
type GruArgs = Extract<KernelArgs["rnnCell"], { kind: "gru" }>;
type LstmBackwardArgs = Extract<KernelArgs["rnnCellBackward"], { kind: "lstm" }>;
type GruBackwardArgs = Extract<KernelArgs["rnnCellBackward"], { kind: "gru" }>;

/** [B, H] of a cell state or hidden state view. */
const dims = (v: View): [number, number] => [v.shape[0]!, v.shape[1]!];

function lstmForward(a: LstmArgs): void {
  const [batch, hidden] = dims(a.cx);
  const gates = el(a.gates);
  const cx = el(a.cx);
  const hy = el(a.hy);
  const cy = el(a.cy);
  for (let b = 0; b < batch; b++) {
    const row = b * 4 * hidden;
    const base = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const gi = row + j;
      const i = sigmoid(gates[gi]!);
      const f = sigmoid(gates[gi + hidden]!);
      const g = Math.tanh(gates[gi + 2 * hidden]!);
      const o = sigmoid(gates[gi + 3 * hidden]!);
      const c = f * cx[base + j]! + i * g;
      cy[base + j] = c;
      hy[base + j] = o * Math.tanh(c);
    }
  }
}

/**
 * d/d(pre) of each gate from dh' and dc': with tc = tanh(c'), dc = dc' + dh' o (1 - tc^2);
 * di = dc g i (1 - i), df = dc cx f (1 - f), dg = dc i (1 - g^2), do = dh' tc o (1 - o), and
 * dcx = dc f. An absent gradient reads as 0.
 */
function lstmBackward(a: LstmBackwardArgs): void {
  const [batch, hidden] = dims(a.cx);
  const gates = el(a.gates);
  const cx = el(a.cx);
  const hasH = a.gradHy !== null;
  const hasC = a.gradCy !== null;
  // NOTE: an absent gradient aliases a present array that its loop-invariant branch never reads.
  const dhy = a.gradHy ? el(a.gradHy) : cx;
  const dcy = a.gradCy ? el(a.gradCy) : cx;
  const dGates = el(a.gradGates);
  const dcx = el(a.gradCx);
  for (let b = 0; b < batch; b++) {
    const row = b * 4 * hidden;
    const base = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const gi = row + j;
      const i = sigmoid(gates[gi]!);
      const f = sigmoid(gates[gi + hidden]!);
      const g = Math.tanh(gates[gi + 2 * hidden]!);
      const o = sigmoid(gates[gi + 3 * hidden]!);
      const c0 = cx[base + j]!;
      const tc = Math.tanh(f * c0 + i * g);
      const dh = hasH ? dhy[base + j]! : 0;
      const dc = (hasC ? dcy[base + j]! : 0) + dh * o * (1 - tc * tc);
      dGates[gi] = dc * g * i * (1 - i);
      dGates[gi + hidden] = dc * c0 * f * (1 - f);
      dGates[gi + 2 * hidden] = dc * i * (1 - g * g);
      dGates[gi + 3 * hidden] = dh * tc * o * (1 - o);
      dcx[base + j] = dc * f;
    }
  }
}

function gruForward(a: GruArgs): void {
  const [batch, hidden] = dims(a.hx);
  const gi = el(a.gi);
  const gh = el(a.gh);
  const hx = el(a.hx);
  const hy = el(a.hy);
  for (let b = 0; b < batch; b++) {
    const row = b * 3 * hidden;
    const base = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const k = row + j;
      const r = sigmoid(gi[k]! + gh[k]!);
      const z = sigmoid(gi[k + hidden]! + gh[k + hidden]!);
      const n = Math.tanh(gi[k + 2 * hidden]! + r * gh[k + 2 * hidden]!);
      hy[base + j] = (1 - z) * n + z * hx[base + j]!;
    }
  }
}

/**
 * With dh' given: dn = dh' (1 - z) (1 - n^2) is the gradient of gi_n; gh_n's is dn r;
 * dr = dn gh_n r (1 - r) and dz = dh' (hx - n) z (1 - z) are those of both gi and gh;
 * dhx = dh' z.
 */
function gruBackward(a: GruBackwardArgs): void {
  const [batch, hidden] = dims(a.hx);
  const gi = el(a.gi);
  const gh = el(a.gh);
  const hx = el(a.hx);
  const dhy = el(a.gradHy);
  const dgi = el(a.gradGi);
  const dgh = el(a.gradGh);
  const dhx = el(a.gradHx);
  for (let b = 0; b < batch; b++) {
    const row = b * 3 * hidden;
    const base = b * hidden;
    for (let j = 0; j < hidden; j++) {
      const k = row + j;
      const r = sigmoid(gi[k]! + gh[k]!);
      const z = sigmoid(gi[k + hidden]! + gh[k + hidden]!);
      const ghn = gh[k + 2 * hidden]!;
      const n = Math.tanh(gi[k + 2 * hidden]! + r * ghn);
      const dh = dhy[base + j]!;
      const h0 = hx[base + j]!;
      const dn = dh * (1 - z) * (1 - n * n);
      const dr = dn * ghn * r * (1 - r);
      const dz = dh * (h0 - n) * z * (1 - z);
      dgi[k] = dr;
      dgh[k] = dr;
      dgi[k + hidden] = dz;
      dgh[k + hidden] = dz;
      dgi[k + 2 * hidden] = dn;
      dgh[k + 2 * hidden] = dn * r;
      dhx[base + j] = dh * z;
    }
  }
}
