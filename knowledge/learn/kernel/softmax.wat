;; One example's step of softmax training (softmax.ts), in WebAssembly SIMD: four classes per instruction where
;; JavaScript did one. JavaScript keeps the example order; everything per example is here: the scores, softmax,
;; the gradient with label smoothing, the AdaGrad steps of the bias and of the example's features' rows.
;;
;; Layout, chosen by the caller (`configure`): a model row is P float32 weights (P = the C classes rounded up to
;; 4), one row per feature, so row f starts at byte f * P * 4 of the weights (and of their AdaGrad sums). A
;; message is a run of i32 feature indices. `valid` holds P i32 lanes, all ones for the C real classes and zero
;; for the padding, which never moves. Arithmetic is IEEE single precision (exp by range reduction and a
;; polynomial, within 2 ulp): the same on every machine, so training stays deterministic.
(module
  (memory (export "memory") 1)

  ;; Set once per training by `configure`: byte offsets of the arrays, the row width and the hyperparameters.
  (global $P (mut i32) (i32.const 0))
  (global $weights (mut i32) (i32.const 0))
  (global $sums (mut i32) (i32.const 0))
  (global $bias (mut i32) (i32.const 0))
  (global $biasSums (mut i32) (i32.const 0))
  (global $z (mut i32) (i32.const 0))
  (global $grad (mut i32) (i32.const 0))
  (global $mask (mut i32) (i32.const 0))
  (global $valid (mut i32) (i32.const 0))
  (global $lr (mut f32) (f32.const 0))
  (global $l2 (mut f32) (f32.const 0))
  (global $own (mut f32) (f32.const 0))
  (global $other (mut f32) (f32.const 0))
  (global $skip (mut f32) (f32.const 0))

  (func (export "configure")
    (param $P i32) (param $weights i32) (param $sums i32) (param $bias i32) (param $biasSums i32) (param $z i32)
    (param $grad i32) (param $mask i32) (param $valid i32)
    (param $lr f32) (param $l2 f32) (param $own f32) (param $other f32) (param $skip f32)
    (global.set $P (local.get $P)) (global.set $weights (local.get $weights)) (global.set $sums (local.get $sums))
    (global.set $bias (local.get $bias)) (global.set $biasSums (local.get $biasSums)) (global.set $z (local.get $z))
    (global.set $grad (local.get $grad)) (global.set $mask (local.get $mask)) (global.set $valid (local.get $valid))
    (global.set $lr (local.get $lr)) (global.set $l2 (local.get $l2)) (global.set $own (local.get $own))
    (global.set $other (local.get $other)) (global.set $skip (local.get $skip)))

  ;; exp(x) lane by lane, for x <= 0 (softmax subtracts the largest score first): x = n ln2 + r with |r| <= ln2/2,
  ;; e^r by the single-precision polynomial of Cephes' expf, 2^n put in the exponent bits. Below -87 it is 2^-126.
  (func $exp (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (f32x4.splat (f32.const -87))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (f32x4.splat (f32.const 1))))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; Horizontal maximum and sum of four lanes.
  (func $max4 (param $v v128) (result f32)
    (f32.max (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
  (func $sum4 (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; One training step on the example whose n features are at byte `feat`, labelled `label`, counting `weight`.
  (func (export "step") (param $feat i32) (param $n i32) (param $label i32) (param $weight f32)
    (local $rowBytes i32) (local $cb i32) (local $fp i32) (local $end i32) (local $row i32)
    (local $scale v128) (local $acc v128) (local $v v128) (local $m v128) (local $g v128) (local $s v128)
    (local $w v128) (local $sq v128) (local $top f32) (local $total f32) (local $moving v128)
    (local.set $rowBytes (i32.shl (global.get $P) (i32.const 2)))
    (local.set $end (i32.add (local.get $feat) (i32.shl (local.get $n) (i32.const 2))))
    ;; Scores scale with 1 / sqrt(number of features), so long messages do not score higher for their length.
    (local.set $scale (f32x4.splat (f32.div (f32.const 1)
      (f32.sqrt (f32.convert_i32_u (select (local.get $n) (i32.const 1) (i32.gt_u (local.get $n) (i32.const 0))))))))

    ;; z = bias + scale * (the sum of the example's rows), four classes at a time, each summed in feature order;
    ;; the largest z of the real classes.
    (local.set $top (f32.const -inf))
    (local.set $cb (i32.const 0))
    (block $done (loop $classes
      (br_if $done (i32.ge_u (local.get $cb) (local.get $rowBytes)))
      (local.set $acc (f32x4.splat (f32.const 0)))
      (local.set $fp (local.get $feat))
      (block $featuresDone (loop $features
        (br_if $featuresDone (i32.ge_u (local.get $fp) (local.get $end)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (global.get $weights)
          (i32.add (i32.mul (i32.load (local.get $fp)) (local.get $rowBytes)) (local.get $cb))))))
        (local.set $fp (i32.add (local.get $fp) (i32.const 4)))
        (br $features)))
      (local.set $v (f32x4.add (v128.load (i32.add (global.get $bias) (local.get $cb))) (f32x4.mul (local.get $acc) (local.get $scale))))
      (v128.store (i32.add (global.get $z) (local.get $cb)) (local.get $v))
      (local.set $top (f32.max (local.get $top) (call $max4
        (v128.bitselect (local.get $v) (f32x4.splat (f32.const -inf)) (v128.load (i32.add (global.get $valid) (local.get $cb)))))))
      (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
      (br $classes)))

    ;; e = exp(z - top) for the real classes (0 for the padding), kept in z; their total.
    (local.set $acc (f32x4.splat (f32.const 0)))
    (local.set $cb (i32.const 0))
    (block $done (loop $classes
      (br_if $done (i32.ge_u (local.get $cb) (local.get $rowBytes)))
      (local.set $v (v128.and
        (call $exp (f32x4.sub (v128.load (i32.add (global.get $z) (local.get $cb))) (f32x4.splat (local.get $top))))
        (v128.load (i32.add (global.get $valid) (local.get $cb)))))
      (v128.store (i32.add (global.get $z) (local.get $cb)) (local.get $v))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $v)))
      (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
      (br $classes)))
    (local.set $total (call $sum4 (local.get $acc)))

    ;; The gradient of each class: (probability - target) * weight, the target 1 - e + e/C for the label and
    ;; e/C for the others (label smoothing). A class whose gradient is below `skip` does not move for this
    ;; example (mask 0). The bias steps here; the rows' gradient (times scale) goes to `grad` for the update.
    (local.set $moving (v128.const i32x4 0 0 0 0))
    (local.set $cb (i32.const 0))
    (block $done (loop $classes
      (br_if $done (i32.ge_u (local.get $cb) (local.get $rowBytes)))
      (local.set $g (f32x4.mul
        (f32x4.sub
          (f32x4.div (v128.load (i32.add (global.get $z) (local.get $cb))) (f32x4.splat (local.get $total)))
          (v128.bitselect (f32x4.splat (global.get $own)) (f32x4.splat (global.get $other))
            (i32x4.eq
              (i32x4.add (i32x4.splat (i32.shr_u (local.get $cb) (i32.const 2))) (v128.const i32x4 0 1 2 3))
              (i32x4.splat (local.get $label)))))
        (f32x4.splat (local.get $weight))))
      (local.set $m (v128.and
        (f32x4.ge (f32x4.abs (local.get $g)) (f32x4.splat (global.get $skip)))
        (v128.load (i32.add (global.get $valid) (local.get $cb)))))
      (v128.store (i32.add (global.get $mask) (local.get $cb)) (local.get $m))
      (v128.store (i32.add (global.get $grad) (local.get $cb)) (f32x4.mul (local.get $g) (local.get $scale)))
      (local.set $s (v128.load (i32.add (global.get $biasSums) (local.get $cb))))
      (local.set $sq (f32x4.add (local.get $s) (f32x4.mul (local.get $g) (local.get $g))))
      (v128.store (i32.add (global.get $biasSums) (local.get $cb)) (v128.bitselect (local.get $sq) (local.get $s) (local.get $m)))
      (local.set $w (v128.load (i32.add (global.get $bias) (local.get $cb))))
      (v128.store (i32.add (global.get $bias) (local.get $cb)) (v128.bitselect
        (f32x4.sub (local.get $w) (f32x4.div (f32x4.mul (f32x4.splat (global.get $lr)) (local.get $g))
          (f32x4.sqrt (f32x4.add (local.get $sq) (f32x4.splat (f32.const 1e-6))))))
        (local.get $w) (local.get $m)))
      (local.set $moving (v128.or (local.get $moving) (local.get $m)))
      (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
      (br $classes)))

    ;; AdaGrad with L2 decay on each feature's row, for the classes that move:
    ;;   g' = grad[c] + l2 * w;  G += g'^2;  w -= lr * g' / sqrt(G + 1e-6)
    ;; (the 1e-6 is AdaGrad's usual start for G, added here so the sums can start at zero: a fresh memory is zeros).
    (if (v128.any_true (local.get $moving)) (then
      (local.set $fp (local.get $feat))
      (block $featuresDone (loop $features
        (br_if $featuresDone (i32.ge_u (local.get $fp) (local.get $end)))
        (local.set $row (i32.mul (i32.load (local.get $fp)) (local.get $rowBytes)))
        (local.set $cb (i32.const 0))
        (block $done (loop $classes
          (br_if $done (i32.ge_u (local.get $cb) (local.get $rowBytes)))
          (local.set $m (v128.load (i32.add (global.get $mask) (local.get $cb))))
          (if (v128.any_true (local.get $m)) (then
            (local.set $w (v128.load (i32.add (global.get $weights) (i32.add (local.get $row) (local.get $cb)))))
            (local.set $s (v128.load (i32.add (global.get $sums) (i32.add (local.get $row) (local.get $cb)))))
            (local.set $g (f32x4.add (v128.load (i32.add (global.get $grad) (local.get $cb)))
              (f32x4.mul (f32x4.splat (global.get $l2)) (local.get $w))))
            (local.set $sq (f32x4.add (local.get $s) (f32x4.mul (local.get $g) (local.get $g))))
            (v128.store (i32.add (global.get $weights) (i32.add (local.get $row) (local.get $cb)))
              (v128.bitselect
                (f32x4.sub (local.get $w) (f32x4.div (f32x4.mul (f32x4.splat (global.get $lr)) (local.get $g))
                  (f32x4.sqrt (f32x4.add (local.get $sq) (f32x4.splat (f32.const 1e-6))))))
                (local.get $w) (local.get $m)))
            (v128.store (i32.add (global.get $sums) (i32.add (local.get $row) (local.get $cb)))
              (v128.bitselect (local.get $sq) (local.get $s) (local.get $m)))))
          (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
          (br $classes)))
        (local.set $fp (i32.add (local.get $fp) (i32.const 4)))
        (br $features))))))
)
