#!/usr/bin/env bash
# The whole process against OpenCV's dnn_superres, file to file: a 1920x1080 PNG made of
# BSD100 photos, upscaled x2 to a 4K PNG by `upsample -m fsrcnn` (decode, the damage
# reading of --denoise auto, the network, colour, encode) and by python3-opencv's
# DnnSuperResImpl with its own FSRCNN_x2.pb (what a user of OpenCV would write). A
# benchmark, not a test: run it on a quiet machine.
#   bash docs/bench/whole_process.sh [RUNS]     (needs UPSAMPLE_DATA, python3-opencv)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
data=${UPSAMPLE_DATA:?set UPSAMPLE_DATA to the folder that holds sr-bench/ and anchors/}
model="$data/anchors/opencv-dnn-superres/FSRCNN_x2.pb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$data/sr-bench/BSD100" "$work/in.png" <<'PY'
import cv2, numpy as np, os, sys
folder, out = sys.argv[1], sys.argv[2]
tiles = []
for name in sorted(os.listdir(folder)):
    image = cv2.imread(os.path.join(folder, name))
    if image is None: continue
    if image.shape[0] > image.shape[1]: image = image.transpose(1, 0, 2)
    tiles.append(image[:320, :480])
rows = [np.hstack(tiles[r * 4:(r + 1) * 4]) for r in range(4)]
cv2.imwrite(out, np.vstack(rows)[:1080, :1920])
PY
cat > "$work/opencv.py" <<'PY'
import cv2, sys
sr = cv2.dnn_superres.DnnSuperResImpl_create()
sr.readModel(sys.argv[1]); sr.setModel("fsrcnn", 2)
cv2.imwrite(sys.argv[3], sr.upsample(cv2.imread(sys.argv[2])))
PY
/usr/bin/python3 - "$runs" "$model" "$work" <<'PY'
import subprocess, sys, time
runs, model, work = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def seconds(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start
ours, theirs = [], []
for _ in range(runs):
    ours.append(seconds(["build/upsample", f"{work}/in.png", "-s", "2", "-m", "fsrcnn", "-o", f"{work}/ours.png", "--overwrite"]))
    theirs.append(seconds(["/usr/bin/python3", f"{work}/opencv.py", model, f"{work}/in.png", f"{work}/opencv.png"]))
print(f"upsample -m fsrcnn   {min(ours):6.2f} s (best of {runs})")
print(f"OpenCV dnn_superres  {min(theirs):6.2f} s (best of {runs})")
print(f"faster by            {min(theirs) / min(ours):6.2f}x")
PY
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) threads"
