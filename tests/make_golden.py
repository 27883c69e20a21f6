#!/usr/bin/python3
"""Golden vectors for the reference ops (lib/ops/ref), computed with PyTorch.

Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 tests/make_golden.py

It writes tests/fixtures/golden/<op>.safetensors: for every case the inputs, a random
upstream gradient `grad_output`, the forward output and every gradient PyTorch computes.
Each case's parameters are a JSON string in __metadata__["case<i>"] (tensors are named
"case<i>/<name>"), and __metadata__["cases"] holds the number of cases. The output is
deterministic: the same torch version writes the same bytes.

The safetensors files are written by hand (the Python package is not installed): an
8-byte little-endian header length, a JSON header padded with spaces to a multiple of 8,
then the raw little-endian tensor data, contiguous and in header order.
"""
import json
import math
import pathlib
import random
import struct

import torch
import torch.nn.functional as F

OUT_DIR = pathlib.Path(__file__).resolve().parent / "fixtures" / "golden"


# ---------------------------------------------------------------------------- safetensors

def encode(values, dtype):
    """Little-endian bytes of a flat list of Python floats, which must be exact in `dtype`."""
    n = len(values)
    if dtype == "F32":
        return struct.pack(f"<{n}f", *values)
    if dtype == "F16":
        data = struct.pack(f"<{n}e", *values)
        assert list(struct.unpack(f"<{n}e", data)) == values, "value not exact in F16"
        return data
    if dtype == "BF16":
        words = struct.unpack(f"<{n}I", struct.pack(f"<{n}f", *values))
        assert all(w & 0xFFFF == 0 for w in words), "value not exact in BF16"
        return struct.pack(f"<{n}H", *(w >> 16 for w in words))
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, torch.Tensor, dtype); metadata: dict of str to str."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, tensor, dtype in tensors:
        assert name not in header, f"duplicate tensor {name}"
        assert 1 <= tensor.dim() <= 4 and tensor.numel() > 0, name
        values = tensor.detach().to(torch.float32).flatten().tolist()
        assert all(math.isfinite(v) for v in values), name
        blob = encode(values, dtype)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("ascii")
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    return path.stat().st_size


class Fixture:
    """The cases of one op, saved as one file."""

    def __init__(self, name):
        self.name = name
        self.tensors = []
        self.metadata = {}
        self.count = 0

    def add(self, params, tensors):
        key = f"case{self.count}"
        self.metadata[key] = json.dumps(params, sort_keys=True)
        for name, tensor in tensors.items():
            self.tensors.append((f"{key}/{name}", tensor, "F32"))
        self.count += 1

    def save(self):
        metadata = {"cases": str(self.count), "generator": f"tests/make_golden.py, torch {torch.__version__}"}
        metadata.update(self.metadata)
        size = write_safetensors(OUT_DIR / f"{self.name}.safetensors", self.tensors, metadata)
        print(f"{self.name}: {self.count} cases, {size / 1024:.0f} KiB")
        return size


# ---------------------------------------------------------------------------- helpers

class Random:
    """Seeded sources: torch values (rounded to float32, so the C++ side sees the same
    numbers PyTorch used) and Python choices for the configuration tables."""

    def __init__(self, seed):
        self.gen = torch.Generator().manual_seed(seed)
        self.py = random.Random(seed)

    def normal(self, *shape, scale=1.0, dtype=torch.float64):
        t = torch.randn(*shape, generator=self.gen, dtype=torch.float64) * scale
        return t.float().to(dtype)

    def choice(self, options):
        return self.py.choice(options)

    def randint(self, lo, hi):
        return self.py.randint(lo, hi)


def grads_of(output, inputs, grad_output):
    return torch.autograd.grad(output, inputs, grad_output)


# ---------------------------------------------------------------------------- conv2d and conv_transpose2d

def conv_case(fx, rng, forward, *, input_shape, weight_shape, cout, groups, bias, params):
    """One conv2d or conv_transpose2d case: a random input, weight (scaled by 1/sqrt(fan-in))
    and bias, the output `forward(x, weight, b)`, a random upstream gradient and every
    gradient, saved under `params` plus the bias flag and the input and weight shapes."""
    cin, (kh, kw) = input_shape[1], weight_shape[2:]
    x = rng.normal(*input_shape).requires_grad_()
    fan_in = cin // groups * kh * kw
    weight = rng.normal(*weight_shape, scale=1 / math.sqrt(fan_in)).requires_grad_()
    b = rng.normal(cout).requires_grad_() if bias else None
    y = forward(x, weight, b)
    grad_output = rng.normal(*y.shape)
    leaves = [x, weight] + ([b] if bias else [])
    grads = grads_of(y, leaves, grad_output)
    tensors = {"input": x, "weight": weight, "output": y, "grad_output": grad_output, "grad_input": grads[0],
               "grad_weight": grads[1]}
    if bias:
        tensors["bias"] = b
        tensors["grad_bias"] = grads[2]
    fx.add(dict(params, bias=bias, input=list(input_shape), weight=list(weight.shape)), tensors)


def random_conv_config(rng):
    """Groups, channels, kernel, stride and dilation of a random conv2d or conv_transpose2d
    case: plain, grouped or depthwise, square or not."""
    kind = rng.choice(["plain", "plain", "grouped", "depthwise"])
    if kind == "plain":
        groups = 1
        cin, cout = rng.randint(1, 4), rng.randint(1, 4)
    elif kind == "grouped":
        groups = rng.choice([2, 3])
        cin, cout = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
    else:
        cin = groups = rng.randint(2, 4)
        cout = cin * rng.randint(1, 2)
    kh = rng.randint(1, 9)
    kw = kh if rng.choice([True, True, False]) else rng.randint(1, 9)
    stride = (rng.randint(1, 4),) * 2 if rng.choice([True, False]) else (rng.randint(1, 4), rng.randint(1, 4))
    dilation = (rng.randint(1, 2), rng.randint(1, 2))
    return groups, cin, cout, kh, kw, stride, dilation


# ---------------------------------------------------------------------------- conv2d

def conv2d_case(fx, rng, *, n=2, cin, cout, h, w, k, stride=(1, 1), pad=(0, 0, 0, 0), dilation=(1, 1), groups=1,
                bias=True):
    """pad = (top, bottom, left, right). Symmetric padding goes through conv2d's own
    `padding`; asymmetric padding is F.pad followed by an unpadded conv2d."""
    top, bottom, left, right = pad

    def forward(x, weight, b):
        if top == bottom and left == right:
            return F.conv2d(x, weight, b, stride, (top, left), dilation, groups)
        return F.conv2d(F.pad(x, (left, right, top, bottom)), weight, b, stride, 0, dilation, groups)

    params = {"stride_h": stride[0], "stride_w": stride[1], "pad_top": top, "pad_bottom": bottom, "pad_left": left,
              "pad_right": right, "dilation_h": dilation[0], "dilation_w": dilation[1], "groups": groups}
    conv_case(fx, rng, forward, input_shape=(n, cin, h, w), weight_shape=(cout, cin // groups, *k), cout=cout,
              groups=groups, bias=bias, params=params)


def make_conv2d():
    fx = Fixture("conv2d")
    rng = Random(2001)
    # Hand-picked: every feature at least once, incl. the layers of FSRCNN / ESPCN.
    conv2d_case(fx, rng, cin=3, cout=4, h=7, w=9, k=(3, 3), pad=(1, 1, 1, 1))
    conv2d_case(fx, rng, cin=4, cout=6, h=9, w=8, k=(5, 5), stride=(2, 2), pad=(2, 2, 2, 2), groups=2, bias=False)
    conv2d_case(fx, rng, cin=4, cout=4, h=8, w=7, k=(3, 3), pad=(1, 1, 1, 1), dilation=(2, 2), groups=4)
    conv2d_case(fx, rng, cin=4, cout=8, h=7, w=7, k=(2, 2), stride=(2, 2), groups=4)  # depthwise, multiplier 2
    conv2d_case(fx, rng, cin=2, cout=3, h=11, w=10, k=(4, 4), stride=(3, 3), pad=(1, 2, 0, 1))
    conv2d_case(fx, rng, cin=1, cout=8, h=9, w=9, k=(9, 9), stride=(4, 4), pad=(4, 4, 4, 4))
    conv2d_case(fx, rng, cin=1, cout=6, h=9, w=7, k=(5, 5), pad=(2, 2, 2, 2))  # FSRCNN feature extraction
    conv2d_case(fx, rng, cin=3, cout=2, h=6, w=5, k=(1, 1))
    conv2d_case(fx, rng, cin=6, cout=6, h=10, w=9, k=(3, 5), stride=(2, 1), pad=(1, 1, 2, 2), dilation=(1, 2),
                groups=3)
    conv2d_case(fx, rng, cin=5, cout=3, h=13, w=11, k=(7, 7), stride=(3, 3), pad=(3, 2, 3, 1), bias=False)
    conv2d_case(fx, rng, cin=2, cout=2, h=9, w=9, k=(3, 3), stride=(4, 4))  # stride > kernel: rows never read
    conv2d_case(fx, rng, cin=3, cout=4, h=5, w=5, k=(6, 6), pad=(3, 2, 2, 3))
    conv2d_case(fx, rng, cin=2, cout=4, h=8, w=6, k=(3, 2), stride=(1, 2), pad=(0, 0, 1, 0), dilation=(2, 1))
    conv2d_case(fx, rng, cin=3, cout=3, h=4, w=4, k=(4, 4))  # one output pixel
    # Random configurations.
    while fx.count < 40:
        groups, cin, cout, kh, kw, stride, dilation = random_conv_config(rng)
        span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
        if rng.choice([True, False]):
            ph, pw = rng.randint(0, span_h // 2), rng.randint(0, span_w // 2)
            pad = (ph, ph, pw, pw)
        else:
            pad = tuple(rng.randint(0, s // 2 + 1) for s in (span_h, span_h, span_w, span_w))
        h, w = rng.randint(3, 13), rng.randint(3, 13)
        if h + pad[0] + pad[1] < span_h or w + pad[2] + pad[3] < span_w:
            continue
        conv2d_case(fx, rng, cin=cin, cout=cout, h=h, w=w, k=(kh, kw), stride=stride, pad=pad, dilation=dilation,
                    groups=groups, bias=rng.choice([True, False]))
    return fx.save()


# ---------------------------------------------------------------------------- conv_transpose2d

def conv_transpose2d_case(fx, rng, *, n=2, cin, cout, h, w, k, stride=(1, 1), pad=(0, 0), output_padding=(0, 0),
                          dilation=(1, 1), groups=1, bias=True):
    def forward(x, weight, b):
        return F.conv_transpose2d(x, weight, b, stride, pad, output_padding, groups, dilation)

    params = {"stride_h": stride[0], "stride_w": stride[1], "pad_h": pad[0], "pad_w": pad[1],
              "output_padding_h": output_padding[0], "output_padding_w": output_padding[1],
              "dilation_h": dilation[0], "dilation_w": dilation[1], "groups": groups}
    conv_case(fx, rng, forward, input_shape=(n, cin, h, w), weight_shape=(cin, cout // groups, *k), cout=cout,
              groups=groups, bias=bias, params=params)


def make_conv_transpose2d():
    fx = Fixture("conv_transpose2d")
    rng = Random(2002)
    ct = conv_transpose2d_case
    # Hand-picked: the classic k4 s2 p1, FSRCNN's deconvolution at x2/x3/x4, kernels not
    # divisible by the stride (checkerboard), output_padding, groups, dilation.
    ct(fx, rng, cin=4, cout=2, h=5, w=6, k=(3, 3), stride=(2, 2), pad=(1, 1), output_padding=(1, 1))
    ct(fx, rng, cin=3, cout=3, h=5, w=4, k=(4, 4), stride=(2, 2), pad=(1, 1))
    ct(fx, rng, cin=4, cout=1, h=6, w=5, k=(9, 9), stride=(2, 2), pad=(4, 4), output_padding=(1, 1))
    ct(fx, rng, cin=4, cout=1, h=5, w=5, k=(9, 9), stride=(3, 3), pad=(4, 4), output_padding=(2, 2))
    ct(fx, rng, cin=4, cout=1, h=4, w=5, k=(9, 9), stride=(4, 4), pad=(4, 4), output_padding=(3, 3))
    ct(fx, rng, cin=4, cout=4, h=6, w=5, k=(4, 4), stride=(2, 2), pad=(1, 1), groups=2, bias=False)
    ct(fx, rng, cin=4, cout=4, h=5, w=5, k=(3, 3), stride=(2, 2), output_padding=(1, 1), groups=4)  # depthwise
    ct(fx, rng, cin=3, cout=2, h=5, w=4, k=(3, 3), pad=(1, 1), output_padding=(1, 1), dilation=(2, 2))  # op < d
    ct(fx, rng, cin=2, cout=3, h=5, w=6, k=(5, 2), stride=(3, 2), pad=(2, 0), output_padding=(2, 1),
       dilation=(1, 2))
    ct(fx, rng, cin=2, cout=2, h=4, w=4, k=(1, 1), stride=(2, 3), output_padding=(1, 2))  # gaps: bias only
    ct(fx, rng, cin=4, cout=6, h=5, w=4, k=(7, 7), stride=(4, 4), pad=(2, 2), output_padding=(3, 3), groups=2,
       bias=False)
    ct(fx, rng, cin=3, cout=2, h=6, w=7, k=(5, 5), pad=(2, 2))
    ct(fx, rng, cin=2, cout=4, h=3, w=3, k=(6, 6), stride=(4, 4), pad=(1, 1), output_padding=(2, 0), groups=2)
    ct(fx, rng, cin=1, cout=1, h=1, w=1, k=(3, 3), stride=(2, 2))  # one input pixel
    while fx.count < 40:
        groups, cin, cout, kh, kw, stride, dilation = random_conv_config(rng)
        pad = (rng.randint(0, dilation[0] * (kh - 1) // 2 + 1), rng.randint(0, dilation[1] * (kw - 1) // 2 + 1))
        output_padding = tuple(rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dilation))
        h, w = rng.randint(1, 8), rng.randint(1, 8)
        out_h = (h - 1) * stride[0] - 2 * pad[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
        out_w = (w - 1) * stride[1] - 2 * pad[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
        if out_h < 1 or out_w < 1:
            continue
        ct(fx, rng, cin=cin, cout=cout, h=h, w=w, k=(kh, kw), stride=stride, pad=pad, output_padding=output_padding,
           dilation=dilation, groups=groups, bias=rng.choice([True, False]))
    return fx.save()


# ---------------------------------------------------------------------------- pixel (un)shuffle

def make_pixel_shuffle():
    fx = Fixture("pixel_shuffle")
    rng = Random(2003)
    # (op, factor, input shape)
    table = [("shuffle", 2, (2, 4, 5, 7)), ("shuffle", 3, (2, 18, 3, 5)), ("shuffle", 4, (2, 16, 5, 3)),
             ("shuffle", 2, (2, 12, 1, 6)), ("shuffle", 3, (1, 9, 4, 4)), ("shuffle", 1, (2, 3, 3, 2)),
             ("unshuffle", 2, (2, 1, 10, 6)), ("unshuffle", 3, (2, 2, 9, 15)), ("unshuffle", 4, (2, 3, 4, 12)),
             ("unshuffle", 2, (1, 5, 6, 2)), ("unshuffle", 1, (2, 2, 3, 5))]
    for op, factor, shape in table:
        x = rng.normal(*shape).requires_grad_()
        y = F.pixel_shuffle(x, factor) if op == "shuffle" else F.pixel_unshuffle(x, factor)
        grad_output = rng.normal(*y.shape)
        (grad_input,) = grads_of(y, [x], grad_output)
        fx.add({"op": op, "factor": factor, "input": list(shape)},
               {"input": x, "output": y, "grad_output": grad_output, "grad_input": grad_input})
    return fx.save()


# ---------------------------------------------------------------------------- resize

def pytorch_self_consistent(mode, channels, size_in, size_out, factor):
    """False where PyTorch 1.13's forward and backward pick different source pixels (see
    lib/ops/resize.hpp): nearest with a factor other than 1 or 2 that still gives
    output = input or 2·input on an axis, unless there is a single channel (the forward
    then takes the channels-last path, which uses the backward's rule). Bicubic differs
    only when output = input on both axes; the caller checks that."""
    if mode != "nearest" or factor is None or channels == 1:
        return True
    return not ((size_out == size_in and factor != 1.0) or (size_out == 2 * size_in and factor != 2.0))


def resize_case(fx, rng, mode, shape, *, scale=None, size=None):
    """Computed in float32: PyTorch does the index arithmetic in the tensor's dtype, and the
    C++ side must pick the same source pixels as float32 PyTorch does."""
    n, c, h, w = shape
    if scale is not None:
        sh, sw = scale if isinstance(scale, tuple) else (scale, scale)
        out_h, out_w = int(h * sh), int(w * sw)
        factors = (sh, sw)
    else:
        out_h, out_w = size
        factors = (None, None)
    if not (pytorch_self_consistent(mode, c, h, out_h, factors[0])
            and pytorch_self_consistent(mode, c, w, out_w, factors[1])) or (
            mode == "bicubic" and scale is not None and (out_h, out_w) == (h, w) and factors != (1.0, 1.0)):
        print(f"  resize: skipping {mode} {shape} x{scale}: PyTorch's forward and backward disagree there")
        return
    x = rng.normal(*shape, dtype=torch.float32).requires_grad_()
    kwargs = {"mode": mode}
    if mode != "nearest":
        kwargs["align_corners"] = False
    if scale is not None:
        y = F.interpolate(x, scale_factor=(sh, sw), **kwargs)
    else:
        y = F.interpolate(x, size=size, **kwargs)
    assert tuple(y.shape[2:]) == (out_h, out_w)
    grad_output = rng.normal(*y.shape, dtype=torch.float32)
    (grad_input,) = grads_of(y, [x], grad_output)
    # Guard: for a linear map the backward is the adjoint, <g, A x> = <Aᵀ g, x>.
    lhs = float((grad_output.double() * y.double()).sum())
    rhs = float((grad_input.double() * x.double()).sum())
    assert abs(lhs - rhs) <= 1e-4 * (1 + abs(lhs)), f"PyTorch's resize is not self-adjoint here: {mode} {shape} {scale} {size}"
    params = {"mode": mode, "scale_h": sh if scale is not None else 0.0, "scale_w": sw if scale is not None else 0.0,
              "out_h": 0 if scale is not None else out_h, "out_w": 0 if scale is not None else out_w,
              "input": list(shape)}
    fx.add(params, {"input": x, "output": y, "grad_output": grad_output, "grad_input": grad_input})


def make_resize():
    fx = Fixture("resize")
    rng = Random(2004)
    shapes = [(2, 2, 7, 5), (2, 3, 6, 9), (2, 1, 5, 5), (2, 2, 13, 11)]
    scales = [2.0, 3.0, 4.0, 1.5, 2.5, 1.3, 0.5, 0.75, 0.3, (2.0, 3.0), (1.7, 0.6), 1.0, 1.1, (1.1, 1.6), 2.1]
    sizes = [(17, 9), (5, 4), (14, 10), (7, 5), (3, 12)]
    for mode in ["nearest", "bilinear", "bicubic"]:
        for i, scale in enumerate(scales):
            shape = shapes[i % len(shapes)]
            if max(scale if isinstance(scale, tuple) else (scale,)) >= 3.0:
                shape = shapes[i % 3]  # keep the large outputs small
            resize_case(fx, rng, mode, shape, scale=scale)
        for i, size in enumerate(sizes):
            resize_case(fx, rng, mode, shapes[(i + 1) % len(shapes)], size=size)
        # A single channel: PyTorch's forward then uses the same shortcut as its backward,
        # so nearest ×2.1 (output = 2·input) is self-consistent and pins that rule.
        resize_case(fx, rng, mode, (2, 1, 5, 4), scale=2.1)
        resize_case(fx, rng, mode, (2, 1, 5, 4), scale=(1.1, 2.0))
    return fx.save()


# ---------------------------------------------------------------------------- activations, PReLU, add

def with_zeros_and_extremes(rng, shape):
    """Random values plus exact zeros (the ReLU kink) and saturating magnitudes."""
    x = rng.normal(*shape, scale=2.0)
    flat = x.view(-1)
    flat[::7] = 0.0
    flat[3::11] = 20.0
    flat[5::13] = -20.0
    return x


def make_activations():
    fx = Fixture("activations")
    rng = Random(2005)

    def unary(op, shape, forward, extra=None):
        x = with_zeros_and_extremes(rng, shape).requires_grad_()
        y = forward(x)
        grad_output = rng.normal(*y.shape)
        (grad_input,) = grads_of(y, [x], grad_output)
        params = {"op": op, "input": list(shape)}
        params.update(extra or {})
        fx.add(params, {"input": x, "output": y, "grad_output": grad_output, "grad_input": grad_input})

    unary("relu", (2, 3, 5, 4), F.relu)
    unary("relu", (37,), F.relu)
    for slope in [0.01, 0.2, 1.5, -0.3]:
        slope32 = float(torch.tensor(slope, dtype=torch.float32))
        unary("leaky_relu", (2, 3, 4, 5), lambda x, s=slope32: F.leaky_relu(x, s), {"negative_slope": slope32})
    unary("tanh", (2, 3, 5, 4), torch.tanh)
    unary("tanh", (4, 9), torch.tanh)
    unary("sigmoid", (2, 3, 5, 4), torch.sigmoid)
    unary("sigmoid", (2, 1, 3, 7), torch.sigmoid)

    # PReLU: per-channel and shared slopes, slopes < 0, in (0, 1) and > 1.
    for shape, slopes in [((2, 3, 5, 4), 3), ((2, 3, 5, 4), 1), ((4, 5), 5), ((2, 6, 3), 6), ((13,), 1),
                          ((2, 1, 4, 4), 1)]:
        x = with_zeros_and_extremes(rng, shape).requires_grad_()
        weight = rng.normal(slopes, scale=0.7).requires_grad_()
        y = F.prelu(x, weight)
        grad_output = rng.normal(*y.shape)
        grad_input, grad_weight = grads_of(y, [x, weight], grad_output)
        fx.add({"op": "prelu", "input": list(shape), "weight": [slopes]},
               {"input": x, "weight": weight, "output": y, "grad_output": grad_output, "grad_input": grad_input,
                "grad_weight": grad_weight})

    for shape in [(2, 3, 4, 5), (11,)]:
        a = rng.normal(*shape).requires_grad_()
        b = rng.normal(*shape).requires_grad_()
        y = a + b
        grad_output = rng.normal(*shape)
        grad_a, grad_b = grads_of(y, [a, b], grad_output)
        fx.add({"op": "add", "input": list(shape)},
               {"a": a, "b": b, "output": y, "grad_output": grad_output, "grad_a": grad_a, "grad_b": grad_b})
    return fx.save()


# ---------------------------------------------------------------------------- losses

def make_losses():
    fx = Fixture("losses")
    rng = Random(2006)
    eps_small = float(torch.tensor(1e-3, dtype=torch.float32))
    eps_large = float(torch.tensor(0.1, dtype=torch.float32))
    losses = [("mse", {}, lambda d: (d * d).mean()),
              ("l1", {}, lambda d: d.abs().mean()),
              ("charbonnier", {"epsilon": eps_small}, lambda d: torch.sqrt(d * d + eps_small ** 2).mean()),
              ("charbonnier", {"epsilon": eps_large}, lambda d: torch.sqrt(d * d + eps_large ** 2).mean())]
    for shape in [(2, 1, 7, 9), (2, 3, 5, 4)]:
        for name, extra, loss_of_difference in losses:
            prediction = rng.normal(*shape).requires_grad_()
            target = rng.normal(*shape)
            with torch.no_grad():  # some exact matches: L1's subgradient at 0 is 0
                target.view(-1)[::5] = prediction.view(-1)[::5]
            loss = loss_of_difference(prediction - target)
            (grad,) = grads_of(loss, [prediction], None)
            params = {"loss": name, "input": list(shape)}
            params.update(extra)
            fx.add(params, {"prediction": prediction, "target": target, "loss": loss.reshape(1), "grad": grad})
    return fx.save()


# ---------------------------------------------------------------------------- dtypes

def make_dtypes():
    """The same values as F32, F16 and BF16, all exactly representable in each (incl. the
    smallest F16 normal 2^-14 and subnormal 2^-24), for the safetensors reader's tests."""
    values = [0.0, 1.0, -2.0, 0.5, 0.15625, 3.75, -1024.0, 2.0 ** -14, 2.0 ** -24, 255.0, -96.5, 0.0078125]
    t = torch.tensor(values, dtype=torch.float64).reshape(3, 4)
    tensors = [("f32", t, "F32"), ("f16", t, "F16"), ("bf16", t, "BF16")]
    size = write_safetensors(OUT_DIR / "dtypes.safetensors", tensors,
                             {"description": "the same 3x4 values stored as F32, F16 and BF16"})
    print(f"dtypes: {size} bytes")
    return size


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    total = sum([make_conv2d(), make_conv_transpose2d(), make_pixel_shuffle(), make_resize(), make_activations(),
                 make_losses(), make_dtypes()])
    print(f"total: {total / 1024:.0f} KiB")
    assert total < 5 * 1024 * 1024, "golden fixtures must stay under 5 MB"


if __name__ == "__main__":
    main()
