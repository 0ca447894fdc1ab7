"""The paper's reported numbers, as data (never typed into a results cell).

Values marked restored in ../shared/PAPER.md lost their digit 5 in the source PDF and were
restored from arithmetic (HGG patients, T1WI sensitivity, FLAIR TP and specificity, vote
specificity); the T1WI and vote AUCs come from the journal's own abstract record, which kept
its 5s (0.9513 and 0.9950; the PDF printed 0.913 and lost the vote's).
"""

from __future__ import annotations

import pandas as pd

COHORT = {"LGG": 76, "HGG": 259, "slices_per_patient": 20, "image_size": 224,
          "split": (4690, 1005, 1005), "offline_aug": 6, "batch_size": 128, "epochs": 100}

#: The paper's protocol constants: its split in percent, the new head's layers and dropout, the
#: offline rotations and the online augmentation's ranges (the library's augmentation reads
#: them from here), and the article's volume, issue and pages.
PROTOCOL = {"split_percent": (70, 15, 15), "head": (1024, 512, 2), "dropout": 0.5,
            "offline_rotation_deg": 5.0, "online_rotation_deg": 4.0,
            "online_translate_px_at_224": 15.0, "online_shear_deg": 20.0, "flip_p": 0.5}
ARTICLE = {"journal": "Chinese Journal of Medical Imaging Technology", "year": 2022,
           "volume": 38, "issue": 11, "pages": (1715, 1719)}

#: Table 1: backbone parameters (M), depth, CIFAR-100 top-1 / top-5 error (%).
TABLE1 = pd.DataFrame(
    [("mobilenet_v2", "MobileNet-v2", 2.4, 53, 31.92, 9.02),
     ("vgg16", "VGG-16", 34.0, 16, 27.07, 8.84),
     ("xception", "Xception", 21.0, 71, 25.07, 7.32),
     ("inception_v3", "Inception-v3", 22.3, 48, 22.81, 6.39),
     ("googlenet", "GoogLeNet", 6.2, 22, 21.97, 5.94)],
    columns=["backbone", "network", "params_M", "depth", "top1_err", "top5_err"],
).set_index("backbone")

#: Table 2: test set (1,005 images: 777 HGG, 228 LGG). The T1WI and vote AUCs are the
#: abstract record's (the PDF lost their digit 5).
TABLE2 = pd.DataFrame(
    [("T1WI", 766, 19, 209, 11, 0.9858, 0.9167, 0.9701, 0.9808, 0.9513),
     ("T2WI", 777, 30, 198, 0, 1.0, 0.8684, 0.9701, 0.9811, 0.9342),
     ("FLAIR", 775, 17, 211, 2, 0.9974, 0.9254, 0.9811, 0.9879, 0.9614),
     ("vote", 777, 10, 218, 0, 1.0, 0.9561, 0.9900, 0.9936, 0.9950)],
    columns=["model", "TP", "FP", "TN", "FN", "sensitivity", "specificity", "accuracy", "f1",
             "auc"],
).set_index("model")
