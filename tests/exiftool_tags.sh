#!/bin/sh
# Tags a JPEG with exiftool as a phone would, upscales it into JPEG, PNG, TIFF, WebP and
# HEIC, and reads each output back with exiftool: every tag the format can hold is
# equal, orientation is 1, the pixel dimensions are the output's.
# Usage: exiftool_tags.sh UPSAMPLE_BINARY samples/scene.png (256x192: outputs are 384x512)
set -u
upsample=$1
picture=$2
if ! command -v exiftool >/dev/null 2>&1; then
  echo "skipped: exiftool is not installed (Debian: libimage-exiftool-perl)"
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$upsample" "$picture" -s 1 -m nearest -o "$dir/phone.jpg" -q || exit 1
exiftool -q -overwrite_original -Make=Apple -Model="iPhone 15 Pro" -Orientation#=6 -XResolution=300 \
  -YResolution=300 -ResolutionUnit=inches -Copyright="(c) A. Photographer" -DateTimeOriginal="2026:07:14 18:30:05" \
  -GPSLatitude=48.8567 -GPSLatitudeRef=N -GPSLongitude=2.3508 -GPSLongitudeRef=E -XMP-dc:Title="Evening" \
  -XMP-xmp:Rating=4 -IPTC:Keywords=river -IPTC:Keywords=evening "$dir/phone.jpg" || exit 1
# One exiftool run per file (each costs a Perl start): "Tag: value" lines, in one order.
tags() { exiftool -S -n -f -Make -Model -XResolution -YResolution -ResolutionUnit -Copyright -DateTimeOriginal \
  -GPSLatitude -GPSLongitude -Title -Rating ${2:+-Keywords} "$1"; }
failed=0
for ext in jpg png tif webp heic; do  # AVIF and JPEG XL: the doctest cases read them back
  out="$dir/big.$ext"
  "$upsample" "$dir/phone.jpg" -s 2 -m bicubic -o "$out" -q || { echo "$ext: upsample failed"; failed=1; continue; }
  iptc=""
  case $ext in jpg|png|tif) iptc=yes ;; esac
  want=$(tags "$dir/phone.jpg" $iptc)
  got=$(tags "$out" $iptc)
  [ "$got" = "$want" ] || { printf '%s: tags differ\n--- input\n%s\n--- output\n%s\n' "$ext" "$want" "$got"; failed=1; }
  fitted=$(exiftool -s3 -n -Orientation -ExifImageWidth -ExifImageHeight "$out" | tr '\n' ' ')
  [ "$fitted" = "1 384 512 " ] || { echo "$ext: orientation, width, height are '$fitted', not '1 384 512'"; failed=1; }
done
[ $failed = 0 ] && echo "exiftool reads every kept tag back from jpg png tif webp heic"
exit $failed
