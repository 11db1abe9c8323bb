#!/usr/bin/python3
"""Convert pytorch-fid's FID Inception weights (pt_inception-2015-12-05-6726825d.pth,
the 2015-12-05 TensorFlow Inception-v3 that published FIDs use) into the .npz that
`gankit eval --inception FILE` loads: every tensor of the state dict, float32, under
its PyTorch name (num_batches_tracked counters and the unused fc layer left out).

Usage: /usr/bin/python3 scripts/reference/convert_inception.py pt_inception-2015-12-05-6726825d.pth inception-fid.npz
       /usr/bin/python3 scripts/reference/convert_inception.py --self-test
The self-test writes metrics/inception/testdata/numpy.npz (two small arrays numpy
itself wrote) and runs torch_inception.py, which converts synthetic weights for the
whole network with to_arrays below and writes the golden pool3 features.
Download the .pth from pytorch-fid's release page (github.com/mseitzer/pytorch-fid,
FID_WEIGHTS_URL in its inception.py); gankit itself downloads nothing.
"""
import os, sys
import numpy as np


def to_arrays(state):
    """The arrays gankit reads: every tensor of a state dict as float32 under its name,
    without the num_batches_tracked counters and the fc layer."""
    return {k: v.detach().numpy().astype(np.float32) for k, v in state.items()
            if not k.endswith("num_batches_tracked") and not k.startswith("fc.")}


def self_test():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "metrics", "inception", "testdata", "numpy.npz")
    np.savez(here, x=np.array([[0, 1, 2], [3, 4, 5.5]], dtype=np.float32), v=np.array([1, 2, 3, -3], dtype=np.float32))
    print("wrote", os.path.normpath(here))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_inception
    torch_inception.main()


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    import torch
    arrays = to_arrays(torch.load(sys.argv[1], map_location="cpu"))
    np.savez(sys.argv[2], **arrays)
    print(f"wrote {sys.argv[2]}: {len(arrays)} arrays, {sum(a.size for a in arrays.values())} values")


if __name__ == "__main__":
    main()
