"""The ResNets of SageMaker's Image Classification in PyTorch: the reference for Kiln's DL4J networks.

The same architecture as io.kiln.algorithms.vision.nets.ResNets (MXNet's
example/image-classification/symbols/resnet.py, pre-activation ResNet v2 of He et al. 2016), so
that tests can compare parameter counts and shapes and benchmarks can time the same network:

  bn_data (BatchNorm of the input, no affine: Kiln's DL4J network locks gamma=1, beta=0)
  conv0 3x3/1 if height <= 32, else conv0 7x7/2, BN, ReLU, max pool 3x3/2 pad 1
  stages of pre-activation units (basic 3x3+3x3, or bottleneck 1x1->3x3->1x1 at filters/4),
  1x1 projection shortcut from the first ReLU in each stage's first unit
  BN, ReLU, global average pooling, fc1 (Linear with bias)

BatchNorm: eps 2e-5, momentum 0.1 in PyTorch's convention (MXNet/DL4J 0.9). Convolutions have no
bias. Weights: He normal (fan in), as MXNet's Xavier(gaussian, in, 2). The module returns logits
[batch, num_classes]; softmax/sigmoid belong to the loss.

Command line (used by Kiln's ResNetsTest): arguments are JSON objects
{"num_layers", "channels", "height", "width", "num_classes"}; for each one line of JSON is printed:
{"trainable": parameters, "running": BatchNorm running mean+var elements,
 "features": [C, H, W] before global pooling, "output": [batch, classes] for a batch of 2}.
"""
import json
import sys

import torch
from torch import nn

BN_EPS = 2e-5
BN_MOMENTUM = 0.1  # PyTorch's: running = 0.9 * running + 0.1 * batch


def layout(num_layers, height):
    """(units per stage, filter list, bottleneck, small stem) as MXNet's get_symbol picks them."""
    small_stem = height <= 32
    if height <= 28:
        if (num_layers - 2) % 9 == 0 and num_layers >= 164:
            u = (num_layers - 2) // 9
            return [u] * 3, [16, 64, 128, 256], True, small_stem
        if (num_layers - 2) % 6 == 0 and 8 <= num_layers < 164:
            u = (num_layers - 2) // 6
            return [u] * 3, [16, 16, 32, 64], False, small_stem
        raise ValueError("no resnet with %d layers for height %d" % (num_layers, height))
    units = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3],
             152: [3, 8, 36, 3], 200: [3, 24, 36, 3], 269: [3, 30, 48, 8]}
    if num_layers not in units:
        raise ValueError("no resnet with %d layers for height %d" % (num_layers, height))
    if num_layers >= 50:
        return units[num_layers], [64, 256, 512, 1024, 2048], True, small_stem
    return units[num_layers], [64, 64, 128, 256, 512], False, small_stem


def _bn(c, affine=True):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM, affine=affine)


def _conv(cin, cout, k, stride):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, bias=False)


class Unit(nn.Module):
    """One pre-activation residual unit (basic or bottleneck)."""

    def __init__(self, cin, filters, stride, dim_match, bottleneck):
        super().__init__()
        self.bn1 = _bn(cin)
        self.relu = nn.ReLU(inplace=False)
        if bottleneck:
            inner = int(filters * 0.25)
            self.conv1 = _conv(cin, inner, 1, 1)
            self.bn2 = _bn(inner)
            self.conv2 = _conv(inner, inner, 3, stride)
            self.bn3 = _bn(inner)
            self.conv3 = _conv(inner, filters, 1, 1)
        else:
            self.conv1 = _conv(cin, filters, 3, stride)
            self.bn2 = _bn(filters)
            self.conv2 = _conv(filters, filters, 3, 1)
            self.bn3 = None
            self.conv3 = None
        self.sc = None if dim_match else _conv(cin, filters, 1, stride)

    def forward(self, x):
        act1 = self.relu(self.bn1(x))
        out = self.conv2(self.relu(self.bn2(self.conv1(act1))))
        if self.conv3 is not None:
            out = self.conv3(self.relu(self.bn3(out)))
        shortcut = x if self.sc is None else self.sc(act1)
        return out + shortcut


class ResNetV2(nn.Module):
    """The whole network; forward returns logits, features(x) the map before global pooling."""

    def __init__(self, num_layers, channels, height, width, num_classes):
        super().__init__()
        units, filters, bottleneck, small_stem = layout(num_layers, height)
        self.bn_data = _bn(channels, affine=False)
        if small_stem:
            self.stem = _conv(channels, filters[0], 3, 1)
        else:
            self.stem = nn.Sequential(_conv(channels, filters[0], 7, 2), _bn(filters[0]), nn.ReLU(),
                                      nn.MaxPool2d(3, stride=2, padding=1))
        blocks = []
        cin = filters[0]
        for s, n in enumerate(units):
            for u in range(n):
                stride = (1 if s == 0 else 2) if u == 0 else 1
                blocks.append(Unit(cin, filters[s + 1], stride, u != 0, bottleneck))
                cin = filters[s + 1]
        self.body = nn.Sequential(*blocks)
        self.bn1 = _bn(cin)
        self.relu1 = nn.ReLU()
        self.fc1 = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            elif isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def features(self, x):
        return self.relu1(self.bn1(self.body(self.stem(self.bn_data(x)))))

    def forward(self, x):
        return self.fc1(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


def resnet_v2(num_layers, channels, height, width, num_classes):
    """The Image Classification ResNet for num_layers at channels x height x width (NCHW input)."""
    return ResNetV2(num_layers, channels, height, width, num_classes)


def describe(num_layers, channels, height, width, num_classes):
    """Counts and shapes of one network (see the module docstring)."""
    net = resnet_v2(num_layers, channels, height, width, num_classes).eval()
    trainable = sum(p.numel() for p in net.parameters() if p.requires_grad)
    running = sum(m.running_mean.numel() + m.running_var.numel()
                  for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    with torch.no_grad():
        x = torch.zeros(2, channels, height, width)
        feats = net.features(x)
        out = net.fc1(torch.flatten(nn.functional.adaptive_avg_pool2d(feats, 1), 1))
    return {"trainable": trainable, "running": running, "features": list(feats.shape[1:]),
            "output": list(out.shape)}


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        c = json.loads(arg)
        print(json.dumps(describe(c["num_layers"], c["channels"], c["height"], c["width"], c["num_classes"])),
              flush=True)
