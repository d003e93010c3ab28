#!/usr/bin/env bash
# Fetches MuJoCo 3.17.0's shared library and Gymnasium 1.4.0's models into
# .mujoco/ at the repository's root (git-ignored), and makes the link folder
# that mujoco-rs builds against:
#
#   .mujoco/lib/libmujoco.so        -> the wheel's libmujoco.so.3.17.0
#   .mujoco/assets/{hopper,walker2d_v5,half_cheetah}.xml
#
# Needs python3 with pip (only `pip download`: no virtualenv, nothing is
# installed) and unzip or python3's zipfile. Safe to run again: it does
# nothing when the files are already there. `.cargo/config.toml` points
# MUJOCO_DYNAMIC_LINK_DIR at .mujoco/lib, and the crate's build script sets
# the binaries' rpath to it, so no LD_LIBRARY_PATH is needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.mujoco"
mujoco_version=3.17.0
gymnasium_version=1.4.0
lib="$dir/lib/libmujoco.so"
assets=(hopper.xml walker2d_v5.xml half_cheetah.xml)

done_already=1
[ -e "$lib" ] || done_already=0
for a in "${assets[@]}"; do [ -e "$dir/assets/$a" ] || done_already=0; done
if [ "$done_already" = 1 ]; then
    echo "MuJoCo $mujoco_version and the Gymnasium $gymnasium_version models are in $dir"
    exit 0
fi

mkdir -p "$dir/wheels" "$dir/lib" "$dir/assets"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$dir/wheels" \
    "mujoco==$mujoco_version" "gymnasium==$gymnasium_version"

# Unpack only what is needed, with python3's zipfile (always there with pip).
python3 - "$dir" "$mujoco_version" "${assets[@]}" <<'PY'
import glob, os, shutil, sys, zipfile
dir, version, assets = sys.argv[1], sys.argv[2], sys.argv[3:]
[mj] = glob.glob(os.path.join(dir, "wheels", f"mujoco-{version}-*.whl"))
[gym] = glob.glob(os.path.join(dir, "wheels", "gymnasium-*.whl"))
with zipfile.ZipFile(mj) as z:
    name = f"mujoco/libmujoco.so.{version}"
    with z.open(name) as src, open(os.path.join(dir, "lib", f"libmujoco.so.{version}"), "wb") as dst:
        shutil.copyfileobj(src, dst)
with zipfile.ZipFile(gym) as z:
    for a in assets:
        with z.open(f"gymnasium/envs/mujoco/assets/{a}") as src, open(os.path.join(dir, "assets", a), "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
ln -sfn "libmujoco.so.$mujoco_version" "$lib"
echo "MuJoCo $mujoco_version and the Gymnasium $gymnasium_version models are now in $dir"
