/** Cells that use cumsum, cumprod and scan (the codegen and export suites run them). */
export const SCAN_CELLS = {
  // a cumulative-max-like gate (ON-LSTM's cumax, written with a softmax and a running sum)
  cumax: `cell cumax(x[I]; h[H]) {
  f  = cumsum(softmax(W_f h + U_f x + b_f))
  n  = tanh(W_n h + U_n x + b_n)
  h' = f * h + (1 - f) * n
}`,
  // running products of gates (products can pass through zero), in both directions of a scan
  cumprod: `cell cumprod_gate(x[I]; h[H]) {
  param W_r[H, H]
  param U_r[H, I]
  g  = cumprod(tanh(W_g h + U_g x + b_g))
  r  = scan(sigmoid(W_r h + b_r), U_r x)
  h' = tanh(g + r + W h)
}`,
  // products from each end: a reversed scan (the guide's example)
  products: `cell products(x[I]; h[H]) {
  g  = sigmoid(W_g h + U_g x + b_g)
  h' = tanh(cumprod(g) * h + scan(g, U x; reverse=true))
}`,
  // a matrix state scanned along its rows and, by axis 0, down its columns
  rows: `cell rows(x[I]; h[H]) {
  m  = outer(tanh(W_a h + U_a x), h)
  h' = tanh(sum(cumsum(m); axis=1) + sum(cumprod(m; axis=0); axis=0) + U x)
}`,
} as const;
