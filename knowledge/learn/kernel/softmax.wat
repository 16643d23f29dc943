;; The two inner loops of softmax training (softmax.ts), in WebAssembly SIMD: four classes per instruction
;; where JavaScript does one. Everything else (the example order, softmax, which classes move) stays in
;; JavaScript; these loops are three quarters of training's time and the whole of what makes it slow.
;;
;; Layout, chosen by the caller: a model row is P float32 weights (P = classes rounded up to 4), one row per
;; feature, so row f starts at byte f * P * 4 of the weights (and of the AdaGrad sums beside them). A message
;; is a run of i32 feature indices. Arithmetic is IEEE single precision, the same on every machine: training
;; stays deterministic.
(module
  (memory (export "memory") 1)

  ;; out[c] = sum over the n features at `feat` of weights[f * P + c], for c in [0, P): four classes at a time,
  ;; each summed in single precision in feature order.
  (func (export "scores")
    (param $feat i32) (param $n i32) (param $P i32) (param $weights i32) (param $out i32)
    (local $rowBytes i32) (local $cb i32) (local $fp i32) (local $end i32) (local $sum v128)
    (local.set $rowBytes (i32.shl (local.get $P) (i32.const 2)))
    (local.set $end (i32.add (local.get $feat) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $cb (i32.const 0))
    (block $classesDone
      (loop $classes
        (br_if $classesDone (i32.ge_u (local.get $cb) (local.get $rowBytes)))
        (local.set $sum (f32x4.splat (f32.const 0)))
        (local.set $fp (local.get $feat))
        (block $featuresDone
          (loop $features
            (br_if $featuresDone (i32.ge_u (local.get $fp) (local.get $end)))
            (local.set $sum (f32x4.add (local.get $sum) (v128.load
              (i32.add (local.get $weights)
                (i32.add (i32.mul (i32.load (local.get $fp)) (local.get $rowBytes)) (local.get $cb))))))
            (local.set $fp (i32.add (local.get $fp) (i32.const 4)))
            (br $features)))
        (v128.store (i32.add (local.get $out) (local.get $cb)) (local.get $sum))
        (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
        (br $classes))))

  ;; AdaGrad step with L2 decay for the classes an example moves, on each of its n features' rows:
  ;;   g' = grad[c] + l2 * w;  G += g'^2;  w -= lr * g' / sqrt(G + 1e-6)
;; (the 1e-6 is AdaGrad's usual start for G, added here so the sums can start at zero: a fresh memory is zeros).
  ;; only where mask[c] is all ones (the other classes' weights and sums are left exactly as they were).
  (func (export "update")
    (param $feat i32) (param $n i32) (param $P i32) (param $weights i32) (param $sums i32)
    (param $grad i32) (param $mask i32) (param $lr f32) (param $l2 f32)
    (local $rowBytes i32) (local $row i32) (local $cb i32) (local $fp i32) (local $end i32)
    (local $m v128) (local $eps v128) (local $w v128) (local $s v128) (local $g v128) (local $sq v128) (local $step v128)
    (local $lrv v128) (local $l2v v128)
    (local.set $rowBytes (i32.shl (local.get $P) (i32.const 2)))
    (local.set $end (i32.add (local.get $feat) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $l2v (f32x4.splat (local.get $l2)))
    (local.set $eps (f32x4.splat (f32.const 1e-6)))
    (local.set $fp (local.get $feat))
    (block $featuresDone
      (loop $features
        (br_if $featuresDone (i32.ge_u (local.get $fp) (local.get $end)))
        (local.set $row (i32.mul (i32.load (local.get $fp)) (local.get $rowBytes)))
        (local.set $cb (i32.const 0))
        (block $classesDone
          (loop $classes
            (br_if $classesDone (i32.ge_u (local.get $cb) (local.get $rowBytes)))
            (local.set $m (v128.load (i32.add (local.get $mask) (local.get $cb))))
            (if (v128.any_true (local.get $m))
              (then
                (local.set $w (v128.load (i32.add (local.get $weights) (i32.add (local.get $row) (local.get $cb)))))
                (local.set $s (v128.load (i32.add (local.get $sums) (i32.add (local.get $row) (local.get $cb)))))
                (local.set $g (f32x4.add (v128.load (i32.add (local.get $grad) (local.get $cb)))
                  (f32x4.mul (local.get $l2v) (local.get $w))))
                (local.set $sq (f32x4.add (local.get $s) (f32x4.mul (local.get $g) (local.get $g))))
                (local.set $step (f32x4.div (f32x4.mul (local.get $lrv) (local.get $g)) (f32x4.sqrt (f32x4.add (local.get $sq) (local.get $eps)))))
                (v128.store (i32.add (local.get $weights) (i32.add (local.get $row) (local.get $cb)))
                  (v128.bitselect (f32x4.sub (local.get $w) (local.get $step)) (local.get $w) (local.get $m)))
                (v128.store (i32.add (local.get $sums) (i32.add (local.get $row) (local.get $cb)))
                  (v128.bitselect (local.get $sq) (local.get $s) (local.get $m)))))
            (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
            (br $classes)))
        (local.set $fp (i32.add (local.get $fp) (i32.const 4)))
        (br $features))))
)
