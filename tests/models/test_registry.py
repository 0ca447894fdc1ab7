"""Tests of glioma_lib.models.registry."""

import time

import numpy as np
import pytest
import torch
from torch import nn

from glioma_lib import models


@pytest.fixture(autouse=True)
def no_weights(tmp_path, monkeypatch):
    """An empty torch hub cache: no ImageNet weights except what a test puts there."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.delenv("GLIOMA_WEIGHTS_DIR", raising=False)


@pytest.mark.parametrize("name", sorted(models.REGISTRY))
def test_registry_builds_two_logit_classifier(name):
    model = models.create(name, weights=None).eval()
    assert model.weights_note == "random init"
    with torch.no_grad():
        out = model(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 2)
    assert model.head[0].in_features == models.REGISTRY[name].features


def test_googlenet_head_is_the_papers_output_module():
    model = models.create("googlenet", weights=None)
    kinds = [type(m) for m in model.head]
    assert kinds == [nn.Linear, nn.ReLU, nn.Dropout, nn.Linear, nn.ReLU, nn.Dropout, nn.Linear]
    linears = [m for m in model.head if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(1024, 1024), (1024, 512),
                                                                   (512, 2)]
    assert all(m.p == 0.5 for m in model.head if isinstance(m, nn.Dropout))


def test_param_groups_rates():
    model = models.create("googlenet", weights=None)
    groups = models.param_groups(model)
    assert [g["lr"] for g in groups] == [1e-4, 1e-3]
    n_groups = sum(p.numel() for g in groups for p in g["params"])
    assert n_groups == models.count_parameters(model)
    head_ids = {id(p) for p in model.head.parameters()}
    assert {id(p) for p in groups[1]["params"]} == head_ids


def test_missing_weights_fail_fast_with_a_place_to_put_them():
    start = time.perf_counter()
    with pytest.raises(models.WeightsNotFound, match="googlenet-1378be20.pth.*checkpoints"):
        models.create("googlenet")
    assert time.perf_counter() - start < 10
    with pytest.raises(models.WeightsNotFound, match="weights file not found"):
        models.create("googlenet", weights_path="/nonexistent/w.pth")


def test_random_init_fallback_is_recorded():
    with pytest.warns(UserWarning, match="random initialisation"):
        model = models.create("googlenet", allow_random_init=True)
    assert "RANDOM INIT" in model.weights_note


def test_weights_found_in_weights_dir(tmp_path, monkeypatch):
    from torchvision.models import googlenet

    reference = googlenet(weights=None, aux_logits=True, init_weights=True)
    torch.save(reference.state_dict(), tmp_path / "googlenet-1378be20.pth")
    monkeypatch.setenv("GLIOMA_WEIGHTS_DIR", str(tmp_path))
    model = models.create("googlenet")
    assert model.weights_note == "ImageNet (googlenet-1378be20.pth)"
    assert torch.equal(model.backbone.net.conv1.conv.weight, reference.conv1.conv.weight)


def test_efficientnet_lite0_real_imagenet_weights_classify_cat_and_coffee():
    import timm
    import torch.nn.functional as F
    from skimage import data

    path = models.find_weights("efficientnet_lite0")
    net = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    net.load_state_dict(models.imagenet_state("efficientnet_lite0", path))
    net.eval()
    for image, classes in ((data.chelsea(), range(281, 286)), (data.coffee(), (967, 968))):
        x = torch.tensor(image).permute(2, 0, 1)[None].float() / 255
        x = models.imagenet_normalise(F.interpolate(x, size=(224, 224), mode="bilinear",
                                                    antialias=True))
        with torch.no_grad():
            top = int(net(x).argmax())
        assert top in classes
    model = models.create("efficientnet_lite0")
    assert model.weights_note.startswith("ImageNet")


def test_unknown_backbone():
    with pytest.raises(ValueError, match="unknown backbone"):
        models.create("resnet9000")
    assert np.isclose(models.count_parameters(nn.Linear(2, 3)), 9)


def test_googlenet_gets_the_input_scaling_of_its_imagenet_weights():
    """torchvision loads GoogLeNet's ImageNet weights with transform_input=True: on [0, 1]
    images our model must compute what that network computes on ImageNet-normalised ones."""
    from torchvision.models import googlenet

    torch.manual_seed(0)
    reference = googlenet(weights=None, aux_logits=False, init_weights=True,
                          transform_input=True).eval()
    model = models.create("googlenet", weights=None).eval()
    model.backbone.net.load_state_dict({k: v for k, v in reference.state_dict().items()
                                        if not k.startswith("fc.")}, strict=False)
    reference.fc = nn.Identity()
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        ours = model.backbone((x - model.input_mean) / model.input_std)
        theirs = reference(models.imagenet_normalise(x))
    assert torch.allclose(ours, theirs, atol=1e-4)
    assert model.normalisation == {"mean": [0.5] * 3, "std": [0.5] * 3}


@pytest.mark.parametrize("name, timm_name", [("efficientnet_lite0", "tf_efficientnet_lite0"),
                                             ("xception", "legacy_xception")])
def test_timm_backbones_get_their_pretrained_normalisation(name, timm_name):
    import timm

    cfg = timm.create_model(timm_name, pretrained=False).pretrained_cfg
    spec = models.REGISTRY[name]
    assert spec.mean == tuple(cfg["mean"]) and spec.std == tuple(cfg["std"])


def test_torchvision_classifiers_keep_imagenet_normalisation():
    for name in ("mobilenet_v2", "vgg16"):
        assert models.REGISTRY[name].mean == models.IMAGENET_MEAN
    model = models.create("mobilenet_v2", weights=None)
    assert model.normalisation["std"] == [round(v, 6) for v in models.IMAGENET_STD]


def test_model_normalises_its_own_input():
    model = models.create("mobilenet_v2", weights=None).eval()
    seen = []
    model.backbone.register_forward_pre_hook(lambda m, args: seen.append(args[0].clone()))
    x = torch.full((1, 3, 32, 32), 0.5)
    with torch.no_grad():
        model(x)
    expected = (0.5 - torch.tensor(models.IMAGENET_MEAN)) / torch.tensor(models.IMAGENET_STD)
    assert torch.allclose(seen[0][0, :, 0, 0], expected, atol=1e-6)


def test_weights_identity_names_the_file_and_its_hash(tmp_path, monkeypatch):
    assert models.weights_identity("googlenet", None) == "random"
    monkeypatch.setenv("GLIOMA_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(models.WeightsNotFound):
        models.weights_identity("googlenet")
    assert models.weights_identity("googlenet", allow_random_init=True).startswith("random")
    from torchvision.models import googlenet

    torch.save(googlenet(weights=None, aux_logits=True, init_weights=True).state_dict(),
               tmp_path / "googlenet-1378be20.pth")
    ident = models.weights_identity("googlenet")
    assert ident.startswith("googlenet-1378be20.pth:") and len(ident.split(":")[1]) == 64
    assert models.create("googlenet").weights_id == ident


def test_a_site_classifier_has_as_many_outputs_as_sites(tmp_path):
    import numpy as np

    from glioma_lib.models.registry import create, load_model, model_card, save_model
    from glioma_lib.training.train import evaluate

    model = create("mobilenet_v2", weights=None, n_classes=5)
    assert model.head[-1].out_features == 5
    images = np.random.default_rng(0).integers(0, 255, (6, 32, 32), dtype=np.uint8)
    loss, acc, probs = evaluate(model, images, np.array([0, 1, 2, 3, 4, 0]), precision="fp32")
    assert probs.shape == (6, 5) and np.allclose(probs.sum(1), 1, atol=1e-4)
    assert acc == np.mean(probs.argmax(1) == [0, 1, 2, 3, 4, 0]) and loss > 0
    save_model(model, tmp_path, model_card(model, "flair", 32, 4, "unit", "patient",
                                           extra={"n_classes": 5}))
    again = load_model(tmp_path, "cpu")
    assert again.head[-1].out_features == 5
    assert create("mobilenet_v2", weights=None).head[-1].out_features == 2
