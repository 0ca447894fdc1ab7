"""The copied GoogLeNet is torchvision's: same draws for a seed, same keys, same outputs."""

from __future__ import annotations

import torch
from torchvision.models import googlenet

from glioma_lib.models.googlenet import GoogLeNet


def test_same_seed_same_weights_and_outputs_as_torchvision():
    torch.manual_seed(7)
    ours = GoogLeNet(num_classes=5)
    torch.manual_seed(7)
    theirs = googlenet(weights=None, aux_logits=False, init_weights=True,
                       transform_input=False, num_classes=5)
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    x = torch.rand(2, 3, 64, 64)
    ours.eval(), theirs.eval()
    with torch.inference_mode():
        assert torch.equal(ours(x), theirs(x))


def test_torchvisions_imagenet_layout_loads_without_leftovers():
    # the ImageNet file also holds the auxiliary classifiers, which the book never uses
    state = googlenet(weights=None, aux_logits=True, init_weights=False).state_dict()
    state = {k: v for k, v in state.items() if not k.startswith(("aux1.", "aux2."))}
    result = GoogLeNet().load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
